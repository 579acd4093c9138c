// The browser side of the console's tests (tests/it/console): a small command server on
// stdin/stdout, so the Rust test drives a real Chromium next to its real gRPC clients.
// One JSON command per line in, one JSON answer per line out ({"ok":true,...} or
// {"ok":false,"error":"..."}).
//
// Environment: CONSOLE_ORIGIN (https://127.0.0.1:PORT), CERTS (directory with
// <org>.pem / <org>.key), CHROMIUM (default /usr/bin/chromium).
//
// Each browser context is one organisation: Playwright presents that organisation's
// client certificate in the TLS handshake. Its certificate proxy checks the server against
// the system's trust store, which does not hold the test CA: hence ignoreHTTPSErrors.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const origin = process.env.CONSOLE_ORIGIN;
const certs = process.env.CERTS;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--lang=pl-PL",
  ],
});
const contexts = new Map();

async function context(name, org, p12) {
  let c = contexts.get(name);
  if (c) { return c; }
  const options = { ignoreHTTPSErrors: true, locale: "pl-PL", timezoneId: "Europe/Warsaw" };
  if (org && p12) {
    // The PKCS#12 file a person imports into a browser (development password "lacznik").
    options.clientCertificates = [{ origin, pfxPath: `${certs}/${org}.p12`, passphrase: "lacznik" }];
  } else if (org) {
    options.clientCertificates = [{ origin, certPath: `${certs}/${org}.pem`, keyPath: `${certs}/${org}.key` }];
  }
  const ctx = await browser.newContext(options);
  const page = await ctx.newPage();
  c = { ctx, page, urls: [], console: [] };
  page.on("request", (r) => c.urls.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") { c.console.push(m.text()); } });
  contexts.set(name, c);
  return c;
}

const ops = {
  async open({ ctx, org, path, p12 }) {
    const c = await context(ctx, org, p12);
    const response = await c.page.goto(origin + path, { waitUntil: "load" });
    return { status: response ? response.status() : 0, url: c.page.url() };
  },
  async goto({ ctx, path }) {
    const c = contexts.get(ctx);
    const response = await c.page.goto(origin + path, { waitUntil: "load" });
    return { status: response ? response.status() : 0, url: c.page.url() };
  },
  async wait({ ctx, selector, timeout }) {
    const c = contexts.get(ctx);
    await c.page.waitForSelector(selector, { timeout: timeout || 10000 });
    return {};
  },
  async text({ ctx, selector }) {
    const c = contexts.get(ctx);
    return { text: await c.page.locator(selector).first().innerText() };
  },
  async html({ ctx }) {
    return { html: await contexts.get(ctx).page.content() };
  },
  async fill({ ctx, fields }) {
    const c = contexts.get(ctx);
    for (const [name, value] of Object.entries(fields)) {
      const input = c.page.locator(`[name="${name}"]`).first();
      const type = await input.getAttribute("type");
      const tag = await input.evaluate((e) => e.tagName);
      if (tag === "SELECT") {
        await input.selectOption(value);
      } else if (type === "radio" || type === "checkbox") {
        await c.page.locator(`[name="${name}"][value="${value}"]`).check();
      } else {
        await input.fill(value);
      }
    }
    return {};
  },
  async click({ ctx, selector, navigate }) {
    const c = contexts.get(ctx);
    if (navigate === false) {
      await c.page.locator(selector).first().click();
      return { url: c.page.url() };
    }
    const [response] = await Promise.all([
      c.page.waitForNavigation({ waitUntil: "load" }),
      c.page.locator(selector).first().click(),
    ]);
    return { status: response ? response.status() : 0, url: c.page.url() };
  },
  async value({ ctx, name }) {
    const c = contexts.get(ctx);
    return { value: await c.page.locator(`[name="${name}"]`).first().inputValue() };
  },
  async screenshot({ ctx, path }) {
    await contexts.get(ctx).page.screenshot({ path, fullPage: true });
    return {};
  },
  async axe({ ctx }) {
    const c = contexts.get(ctx);
    // Evaluated through the DevTools protocol, which the page's CSP (no inline script)
    // does not govern; a <script> tag would be refused, as it should be.
    await c.page.evaluate(AXE);
    const result = await c.page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
    });
    return { violations: result };
  },
  async post({ ctx, org, path, headers, form }) {
    // A raw request with the context's certificate (a page elsewhere posting to the
    // console, a body too big...): what a browser holding the certificate would send.
    const c = await context(ctx, org);
    const response = await c.ctx.request.post(origin + path, { headers: headers || {}, form, maxRedirects: 0, failOnStatusCode: false });
    return { status: response.status(), body: (await response.text()).slice(0, 2000) };
  },
  async get({ ctx, org, path }) {
    // A download (a receipt, the CSV, the note) with the context's certificate.
    const c = await context(ctx, org);
    const response = await c.ctx.request.get(origin + path, { maxRedirects: 0, failOnStatusCode: false });
    return { status: response.status(), headers: response.headers(), body: (await response.text()).slice(0, 20000) };
  },
  async sse({ ctx, path, lastEventId }) {
    // The first event of the live stream, read in the page as a browser reads it, with
    // the Last-Event-ID a reconnecting EventSource sends.
    const c = contexts.get(ctx);
    const text = await c.page.evaluate(async ({ path, lastEventId }) => {
      const headers = lastEventId ? { "Last-Event-ID": lastEventId } : {};
      const controller = new AbortController();
      const response = await fetch(path, { headers, signal: controller.signal });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      while (!/event: row[\s\S]*?\n\n/.test(buffer)) {
        const { value, done } = await reader.read();
        if (done) { break; }
        buffer += decoder.decode(value, { stream: true });
      }
      controller.abort();
      return buffer;
    }, { path, lastEventId });
    return { text };
  },
  async urls({ ctx }) {
    return { urls: contexts.get(ctx).urls, console: contexts.get(ctx).console };
  },
  async close({ ctx }) {
    const c = contexts.get(ctx);
    if (c) { await c.ctx.close(); contexts.delete(ctx); }
    return {};
  },
};

const lines = createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ok: true, ready: true }) + "\n");
for await (const line of lines) {
  if (!line.trim()) { continue; }
  let answer;
  try {
    const cmd = JSON.parse(line);
    answer = { ok: true, ...(await ops[cmd.op](cmd)) };
  } catch (e) {
    answer = { ok: false, error: String(e && e.message ? e.message : e).slice(0, 4000) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
await browser.close();
