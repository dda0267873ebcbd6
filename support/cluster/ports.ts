// relay-node's ports inside its container (its environment contract sets them; the handles publish them).
export const RELAY_HTTP_PORT = 8080;
export const RELAY_GOSSIP_PORT = 17421;
