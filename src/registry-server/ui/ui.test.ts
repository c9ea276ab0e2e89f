// The web UI in a real browser: Debian's chromium driven by playwright-core. Pages are checked
// for what a user reads, navigated with the keyboard only, and screenshotted; delete works for a
// user allowed to and shows the registry's refusal to one who is not.
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { inflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { digestOf, pushBlob, request, startTestRegistry, tempDir, type TestRegistry } from '../testing/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const alice = { Authorization: `Basic ${Buffer.from('alice:wonderland').toString('base64')}` };

/** Decodes an 8-bit RGB(A) PNG (what Chromium writes) and counts its distinct colours. */
function pngColours(png: Buffer): { width: number; height: number; colours: number } {
  assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  const colours = new Set<number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const pred = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      cur[i] = (line[i]! + pred) & 0xff;
    }
    for (let x = 0; x < width; x += 3) colours.add((cur[x * channels]! << 16) | (cur[x * channels + 1]! << 8) | cur[x * channels + 2]!);
    cur.copy(prev);
  }
  return { width, height, colours: colours.size };
}

async function pushJson(url: string, repo: string, ref: string, body: unknown, type: string): Promise<`sha256:${string}`> {
  const bytes = Buffer.from(JSON.stringify(body));
  const res = await request(url, 'PUT', `/v2/${repo}/manifests/${ref}`, { body: bytes, headers: { 'Content-Type': type, ...alice } });
  assert.equal(res.status, 201, res.body.toString());
  return digestOf(bytes);
}

/** A two-platform index with rich configs, and a signature-like referrer on the amd64 image. */
async function seed(url: string): Promise<{ amd64: string; index: string; referrer: string }> {
  const platforms: Record<string, string> = {};
  for (const arch of ['amd64', 'arm64']) {
    const layer = Buffer.from(`layer for ${arch}`);
    const config = Buffer.from(
      JSON.stringify({
        architecture: arch,
        os: 'linux',
        created: '2026-01-02T03:04:05Z',
        config: { Env: ['PATH=/usr/bin', `GREETING=hello-${arch}`], Entrypoint: ['/bin/app'], Cmd: ['--serve'], Labels: { 'org.opencontainers.image.title': 'web app' } },
        rootfs: { type: 'layers', diff_ids: [digestOf(layer)] },
        history: [{ created: '2026-01-02T03:04:05Z', created_by: 'COPY app /bin/app' }],
      }),
    );
    await pushBlob(url, 'team/web', config, alice);
    await pushBlob(url, 'team/web', layer, alice);
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(layer), size: layer.length }] };
    platforms[arch] = await pushJson(url, 'team/web', digestOf(Buffer.from(JSON.stringify(manifest))), manifest, OCI_MANIFEST);
  }
  const sizes: Record<string, number> = {};
  for (const arch of Object.keys(platforms)) sizes[arch] = (await request(url, 'HEAD', `/v2/team/web/manifests/${platforms[arch]}`, { headers: alice })).headers['content-length'] as unknown as number;
  const index = await pushJson(
    url,
    'team/web',
    'v1',
    { schemaVersion: 2, mediaType: OCI_INDEX, manifests: Object.keys(platforms).map((arch) => ({ mediaType: OCI_MANIFEST, digest: platforms[arch], size: Number(sizes[arch]), platform: { os: 'linux', architecture: arch } })) },
    OCI_INDEX,
  );
  const amd = await request(url, 'GET', `/v2/team/web/manifests/${platforms.amd64}`, { headers: alice });
  await pushJson(url, 'team/web', 'amd64', JSON.parse(amd.body.toString()), OCI_MANIFEST);
  const empty = await pushBlob(url, 'team/web', '{}', alice);
  const referrer = await pushJson(
    url,
    'team/web',
    'sig',
    { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 }, layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 }], subject: { mediaType: OCI_MANIFEST, digest: platforms.amd64, size: Number(sizes.amd64) } },
    OCI_MANIFEST,
  );
  await pushBlob(url, 'team/other', 'x', alice);
  return { amd64: platforms.amd64!, index, referrer };
}

const skip = existsSync(CHROMIUM) ? false : 'Debian chromium is not installed (scripts/setup.sh installs it)';

describe('web UI in Chromium', { skip }, () => {
  let dir: string;
  let reg: TestRegistry;
  let browser: Browser;
  let seeded: { amd64: string; index: string; referrer: string };
  before(async () => {
    if (skip) return;
    dir = await tempDir('hull-ui-');
    const htpasswd = path.join(dir, 'htpasswd');
    await fs.writeFile(htpasswd, `alice:${bcrypt.hashSync('wonderland', 4)}\nbob:${bcrypt.hashSync('builder', 4)}\n`);
    const access = path.join(dir, 'access.yaml');
    await fs.writeFile(access, ['- {account: alice, repository: "**", actions: ["*"]}', '- {account: bob, repository: "**", actions: [pull]}', ''].join('\n'));
    reg = await startTestRegistry({ htpasswd, access });
    seeded = await seed(reg.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });
  after(async () => {
    await browser?.close();
    await reg?.close();
    // HULL_KEEP_UI_SCREENSHOTS=1 keeps the PNGs (and the registry's files) for a human look.
    if (dir && !process.env.HULL_KEEP_UI_SCREENSHOTS) await fs.rm(dir, { recursive: true, force: true });
    else if (dir) process.stderr.write(`screenshots kept in ${dir}\n`);
  });

  async function open(user: string, password: string): Promise<Page> {
    const context = await browser.newContext({ httpCredentials: { username: user, password }, viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
    await page.goto(`${reg.url}/ui`);
    return page;
  }

  async function screenshotShows(page: Page, name: string): Promise<void> {
    const png = await page.screenshot({ path: path.join(dir, `${name}.png`) });
    const { width, height, colours } = pngColours(png);
    assert.equal(width, 1100);
    assert.equal(height, 800);
    // Text, links, table rules and the header bar: a rendered page has many colours, a blank
    // or unstyled error page a handful.
    assert.ok(colours > 20, `${name}: the screenshot looks blank (${colours} colours)`);
  }

  test('browse with the keyboard: repositories, tags, index platforms, image config, layers, referrers', async () => {
    const page = await open('alice', 'wonderland');
    await page.getByRole('link', { name: 'team/web' }).waitFor();
    assert.deepEqual(await page.locator('ul.repos a').allTextContents(), ['team/other', 'team/web']);
    await screenshotShows(page, 'repositories');

    // Keyboard only: Tab to the link, Enter to follow it.
    await page.keyboard.press('Tab');
    for (let i = 0; i < 10 && (await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)) !== 'team/web'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'team/web' }).waitFor();
    const tags = page.getByRole('table', { name: 'Tags of team/web' });
    await tags.waitFor();
    const v1 = tags.getByRole('row').filter({ hasText: 'v1' });
    assert.match(await v1.textContent() ?? '', /index \(2 manifests\)/);
    assert.match(await v1.textContent() ?? '', new RegExp(seeded.index.slice(7, 19)));
    await screenshotShows(page, 'tags');

    await v1.getByRole('link', { name: 'v1' }).focus();
    await page.keyboard.press('Enter');
    const platforms = page.getByRole('table', { name: 'Platforms' });
    await platforms.waitFor({ timeout: 5000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}\nstatus: ${await page.locator('#status').textContent()}\nurl: ${page.url()}\nmain: ${await page.locator('main').textContent()}`);
    });
    assert.match(await platforms.textContent() ?? '', /linux\/amd64/);
    assert.match(await platforms.textContent() ?? '', /linux\/arm64/);
    await screenshotShows(page, 'index');

    await platforms.getByRole('row').filter({ hasText: 'linux/amd64' }).getByRole('link').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Layers' }).waitFor();
    const configText = (await page.getByRole('region', { name: 'Configuration' }).textContent()) ?? '';
    for (const expected of ['GREETING=hello-amd64', '["/bin/app"]', 'org.opencontainers.image.title', 'web app', 'COPY app /bin/app', 'linux/amd64']) assert.ok(configText.includes(expected), `config shows ${expected}`);
    const refs = page.getByRole('table', { name: 'Referrers' });
    await refs.waitFor();
    assert.match(await refs.textContent() ?? '', /application\/vnd\.dev\.cosign\.artifact\.sig\.v1\+json/);
    assert.match(await refs.textContent() ?? '', new RegExp(seeded.referrer.slice(7, 19)));
    await screenshotShows(page, 'manifest');
    await page.context().close();
  });

  test('delete: refused for a pull-only user with the registry\'s message; done for one allowed', async () => {
    const bob = await open('bob', 'builder');
    await bob.goto(`${reg.url}/ui#/r/team/web`);
    bob.on('dialog', (d) => void d.accept());
    await bob.getByRole('table', { name: 'Tags of team/web' }).waitFor();
    await bob.locator('button[data-tag="amd64"]').click();
    await bob.getByRole('status').filter({ hasText: /DENIED/ }).waitFor();
    await bob.context().close();
    assert.equal((await request(reg.url, 'HEAD', '/v2/team/web/manifests/amd64', { headers: alice })).status, 200);

    const page = await open('alice', 'wonderland');
    await page.goto(`${reg.url}/ui#/r/team/web`);
    page.on('dialog', (d) => void d.accept());
    await page.getByRole('table', { name: 'Tags of team/web' }).waitFor();
    await page.locator('button[data-tag="amd64"]').focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Deleted tag amd64' }).waitFor();
    assert.equal((await request(reg.url, 'HEAD', '/v2/team/web/manifests/amd64', { headers: alice })).status, 404);
    assert.equal(await page.locator('button[data-tag="amd64"]').count(), 0);
    await page.context().close();
  });

  test('static files carry a strict CSP; unknown UI paths are 404', async () => {
    const res = await request(reg.url, 'GET', '/ui');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.equal((await request(reg.url, 'GET', '/ui/nope.js')).status, 404);
  });
});
