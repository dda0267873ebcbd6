// Driving Allure 3's "awesome" report UI (allure 3.18) the way a person would, and reading back what it shows.
// The selectors are the app's own data-testid attributes; class names in that app are hashed per build.
//
// How the app shows an image/svg+xml attachment: the attachment row is collapsed by default; opening it
// fetches data/attachments/<id>.svg, turns the response into a blob and renders
//   [data-testid="test-result-attachment"] > … > [data-testid="image-attachment-content"] > img[src^="blob:"]
// (an <img>, so the SVG's own elements are not in the page's DOM: the check reads the blob back).
// When the picture cannot be decoded the app shows "something went wrong" instead of the <img>.
import type { Locator, Page } from 'playwright-core';

export const TEST_ID = {
  search: 'search-input',
  treeLeafTitle: 'tree-leaf-title',
  resultTitle: 'test-result-info-title',
  teardown: 'test-result-teardown-dropdown',
  step: 'test-result-step',
  stepHeader: 'test-result-step-header',
  stepContent: 'test-result-step-content',
  attachment: 'test-result-attachment',
  attachmentHeader: 'test-result-attachment-header',
  imageContent: 'image-attachment-content',
} as const;

const byTestId = (id: string) => `[data-testid="${id}"]`;

// The project compiles without the DOM lib (tsconfig: lib ES2023); the code that runs in the page
// describes the few DOM members it uses here instead.
interface PageElement {
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly textContent: string | null;
  readonly innerText: string;
  readonly children: ArrayLike<PageElement>;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
}
interface PageImage {
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly naturalHeight: number;
  readonly src: string;
  decode(): Promise<void>;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
}
interface PageDocument {
  readonly documentElement: PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
interface Canvas2d {
  drawImage(image: PageImage, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { readonly data: ArrayLike<number> };
}
interface PageGlobals {
  readonly document: { createElement(tag: 'canvas'): { width: number; height: number; getContext(kind: '2d'): Canvas2d | null } };
  readonly DOMParser: new () => { parseFromString(text: string, type: string): PageDocument };
}

function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/**
 * Finds the test the way a reader does, by typing its name into the search, then opens it through the
 * report's own link to it. (Unfolding the filtered tree by clicks races the search's re-render.)
 */
export async function openTest(page: Page, name: string, link: string): Promise<void> {
  await page.getByTestId(TEST_ID.search).fill(name);
  await page.goto(link, { waitUntil: 'domcontentloaded' });
  await page
    .getByTestId(TEST_ID.resultTitle)
    .filter({ hasText: exactly(name) })
    .waitFor();
}

/**
 * Opens every collapsed step on the test's page (set up, body, tear down; nested ones too), each at most
 * once, so that every attachment row is listed. Resolves with how many steps it opened.
 */
export async function expandAllSteps(page: Page, rounds = 6): Promise<number> {
  // A tear-down section that is folded has no steps in the DOM at all: unfold it first.
  const teardown = page.getByTestId(TEST_ID.teardown);
  if ((await teardown.count()) > 0 && (await teardown.locator('xpath=..').locator(byTestId(TEST_ID.step)).count()) === 0) {
    await teardown.click();
  }
  const opened = new Set<string>();
  const collapsed = page.locator(`${byTestId(TEST_ID.step)}:not(:has(> ${byTestId(TEST_ID.stepContent)})) > ${byTestId(TEST_ID.stepHeader)}`);
  for (let round = 0; round < rounds; round++) {
    const ids = await collapsed.evaluateAll((els) => (els as unknown as PageElement[]).map((e) => e.getAttribute('data-tr-focus-id') ?? ''));
    const todo = ids.filter((id) => id !== '' && !opened.has(id));
    if (todo.length === 0) break;
    for (const id of todo) {
      opened.add(id);
      await page
        .locator(`${byTestId(TEST_ID.stepHeader)}[data-tr-focus-id="${id}"]`)
        .first()
        .click();
    }
  }
  return opened.size;
}

export interface ListedAttachment {
  readonly name: string;
  /** The media type the row shows, when it shows one. */
  readonly type?: string;
  /** Set up, Test body or Tear down. */
  readonly section: 'setup' | 'body' | 'teardown';
}

/** Every attachment row on the test's page, by the name the row shows. */
export async function listedAttachments(page: Page): Promise<ListedAttachment[]> {
  return page.locator(byTestId(TEST_ID.attachmentHeader)).evaluateAll((headers) =>
    (headers as unknown as PageElement[]).map((h) => {
      // Row text: "<ordinal>\n<name>\n<media type>\n<size>".
      const lines = h.innerText
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      if (lines.length > 0 && /^\d+$/.test(lines[0]!)) lines.shift();
      const section = h.closest('div:has(> [data-testid="test-result-teardown-dropdown"])')
        ? 'teardown'
        : h.closest('div:has(> [data-testid="test-result-setup-dropdown"])')
          ? 'setup'
          : 'body';
      return { name: lines[0] ?? '', type: lines.find((l) => /^[a-z]+\/[\w.+-]+$/i.test(l)), section } as const;
    }),
  );
}

/** The attachment row whose name is exactly `name` (the first one, when there are several). */
export function attachmentRow(page: Page, name: string): Locator {
  return page
    .getByTestId(TEST_ID.attachment)
    .filter({ has: page.getByTestId(TEST_ID.attachmentHeader).getByText(name, { exact: true }) })
    .first();
}

export type Preview = { readonly img: Locator } | { readonly shown: string };

/** Opens an image attachment's row and waits for the picture; otherwise says what the row shows instead. */
export async function openImagePreview(row: Locator, timeoutMs: number): Promise<Preview> {
  const img = row.locator(`${byTestId(TEST_ID.imageContent)} img`);
  // The app's "something went wrong" box (class styles_test-result-attachment-error__<hash>): only used to
  // stop waiting early; without it the wait simply runs to its timeout.
  const broken = row.locator('[class*="test-result-attachment-error"]');
  if ((await img.count()) === 0) await row.getByTestId(TEST_ID.attachmentHeader).locator('button').first().click();
  try {
    await img.or(broken).first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    // fall through: say what is there
  }
  if (await img.isVisible()) return { img };
  const text = (await row.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
  return { shown: text };
}

export interface PictureFacts {
  readonly complete: boolean;
  readonly decodeError?: string;
  readonly naturalWidth: number;
  readonly naturalHeight: number;
  readonly shownWidth: number;
  readonly shownHeight: number;
  /** Pixels of the decoded picture that are neither transparent nor near-white, and how many distinct colours they have. */
  readonly inkPixels: number;
  readonly inkColours: number;
  readonly canvasError?: string;
  readonly blobType: string;
  readonly bytes: number;
  readonly parseError?: string;
  readonly rootName: string;
  readonly rootNamespace: string;
  readonly rootClass: string;
  readonly title: string;
  readonly ops: number;
  readonly opsByOutcome: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly elections: number;
  readonly leases: number;
  readonly faultWindows: number;
  /** Lane index of each fault's lane, in order. */
  readonly faultLanes: readonly number[];
  /** Node lanes' states (`east-3 crashed`). */
  readonly nodeStates: readonly string[];
  readonly legend: boolean;
}

/**
 * What the <img> actually decoded and drew, and what the SVG it shows contains (read back from the
 * blob the app created). No named inner functions here: tsx's esbuild would wrap them in __name(),
 * which does not exist in the page.
 */
export async function inspectPicture(img: Locator): Promise<PictureFacts> {
  return img.evaluate(async (el) => {
    const image = el as unknown as PageImage;
    const page = globalThis as unknown as PageGlobals;
    let decodeError: string | undefined;
    try {
      await image.decode();
    } catch (e) {
      decodeError = String(e);
    }
    const box = image.getBoundingClientRect();
    let inkPixels = -1;
    let inkColours = -1;
    let canvasError: string | undefined;
    try {
      const canvas = page.document.createElement('canvas');
      canvas.width = Math.max(image.naturalWidth, 1);
      canvas.height = Math.max(image.naturalHeight, 1);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      ctx.drawImage(image, 0, 0);
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      inkPixels = 0;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i]!;
        const g = d[i + 1]!;
        const b = d[i + 2]!;
        if (d[i + 3]! > 32 && (r < 240 || g < 240 || b < 240)) {
          inkPixels++;
          colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
        }
      }
      inkColours = colours.size;
    } catch (e) {
      canvasError = String(e);
    }
    const response = await fetch(image.src);
    const blob = await response.blob();
    const text = await blob.text();
    const doc = new page.DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    const title = Array.from(root.children).find((c) => c.localName === 'title');
    return {
      complete: image.complete,
      decodeError,
      naturalWidth: image.naturalWidth,
      naturalHeight: image.naturalHeight,
      shownWidth: Math.round(box.width),
      shownHeight: Math.round(box.height),
      inkPixels,
      inkColours,
      canvasError,
      blobType: blob.type,
      bytes: blob.size,
      parseError: doc.querySelector('parsererror')?.textContent?.trim().slice(0, 200) ?? undefined,
      rootName: root.localName,
      rootNamespace: root.namespaceURI ?? '',
      rootClass: root.getAttribute('class') ?? '',
      title: title?.textContent?.trim() ?? '',
      ops: doc.querySelectorAll('.op').length,
      opsByOutcome: {
        ok: doc.querySelectorAll('.op.op-ok').length,
        fail: doc.querySelectorAll('.op.op-fail').length,
        info: doc.querySelectorAll('.op.op-info').length,
      },
      elections: doc.querySelectorAll('.election').length,
      leases: doc.querySelectorAll('.lease').length,
      faultWindows: doc.querySelectorAll('.fault-window').length,
      faultLanes: Array.from(doc.querySelectorAll('.fault-lane')).map((g) => Number(g.getAttribute('data-lane'))),
      nodeStates: Array.from(doc.querySelectorAll('.node-state')).map((r) => `${r.getAttribute('data-node') ?? '?'} ${r.getAttribute('data-state') ?? '?'}`),
      legend: doc.querySelector('.legend') !== null,
    };
  });
}
