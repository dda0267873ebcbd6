// Evidence attached to the scenario (Allure picks up cucumber attachments): JSON snapshots and logs.
import type { World } from '@cucumber/cucumber';

export async function attachJson(world: World, name: string, value: unknown): Promise<void> {
  await world.attach(JSON.stringify(value, null, 2), { mediaType: 'application/json', fileName: `${name}.json` });
}

export async function attachText(world: World, name: string, text: string): Promise<void> {
  await world.attach(text, { mediaType: 'text/plain', fileName: `${name}.txt` });
}
