// Evidence attached to the scenario (Allure picks up cucumber attachments): JSON snapshots and logs.
import type { World } from '@cucumber/cucumber';

/** Anything evidence can be attached to: the World, or a scenario context's `evidence`. */
export type Attachable = Pick<World, 'attach'>;

export async function attachJson(world: Attachable, name: string, value: unknown): Promise<void> {
  await world.attach(JSON.stringify(value, null, 2), { mediaType: 'application/json', fileName: `${name}.json` });
}

export async function attachText(world: Attachable, name: string, text: string): Promise<void> {
  await world.attach(text, { mediaType: 'text/plain', fileName: `${name}.txt` });
}
