// The web console in a real browser (docs/ARCHITECTURE.md, "The web console"): Debian's Chromium,
// headless, driven by playwright-core, each page checked by axe-core. Run by
// tests/tests/console.rs, one phase per run (the test does what a person does outside the
// browser between phases: npm publish, npm install, the aws CLI):
//
//   node console.cjs chain     sign in; make a domain and the chain app -> team -> npm-store
//                              (public:npmjs); read the graph; refused forms change nothing
//   node console.cjs packages  find the packages; filter them; read a version; change its status
//   node console.cjs sign-out  sign out; the old session no longer opens a page
//
// It reads BASE_URL, ACCESS_KEY_ID, SECRET_ACCESS_KEY, BROWSER_MODULES (playwright-core and
// axe-core), CHROMIUM, STATE (the session between phases), SCREENSHOTS (a folder), and for
// `packages` EXPECTED_SHA256 (of the published tarball). Any failed check throws: exit status 1.

const path = require('path');
const fs = require('fs');
const assert = require('assert/strict');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env('BASE_URL');
const { chromium, devices } = require(path.join(env('BROWSER_MODULES'), 'playwright-core'));
const AXE = fs.readFileSync(path.join(env('BROWSER_MODULES'), 'axe-core', 'axe.min.js'), 'utf8');
const STATE = env('STATE');
const SHOTS = env('SCREENSHOTS');

async function launch() {
  return chromium.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    // As root in a sandbox, and on a machine that reaches no Google service.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

// axe-core on the page as it is: no violation of serious or critical impact (WCAG 2.1 A and AA,
// colour contrast included). The contexts bypass the console's Content-Security-Policy, which
// would refuse the injected script.
async function accessible(page, what) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [],
    `accessibility of ${what}`);
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

async function notice(page, text) {
  await assert.doesNotReject(page.getByRole('status').filter({ hasText: text }).waitFor({ timeout: 5000 }),
    `the notice "${text}"`);
}

async function alert(page, text) {
  const shown = await page.getByRole('alert').innerText();
  assert.ok(shown.includes(text), `the alert says "${shown}", not "${text}"`);
}

// Fills and submits the "Create a repository" form of the domain page.
async function createRepository(page, name, upstreams, connection) {
  await page.goto(`${BASE}/ui/d/acme`);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Upstream repositories (optional), in search order').fill(upstreams);
  await page.getByLabel('External connection (optional)').selectOption(connection);
  await page.getByRole('button', { name: 'Create repository' }).click();
  await page.waitForLoadState();
}

async function chain(browser) {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();

  // Not signed in: the console sends to the sign-in page.
  await page.goto(`${BASE}/ui/`);
  assert.equal(new URL(page.url()).pathname, '/ui/sign-in');
  await accessible(page, 'the sign-in page');
  await shot(page, 'sign-in');

  // The keyboard alone: the first Tab reaches "Skip to content"; a wrong secret is refused.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.getByLabel('Access key id').fill(env('ACCESS_KEY_ID'));
  await page.getByLabel('Secret access key').fill('not-the-secret');
  await page.getByLabel('Secret access key').press('Enter');
  await page.waitForLoadState();
  await alert(page, 'the access key id or the secret access key is wrong');
  assert.equal(await page.getByLabel('Access key id').inputValue(), env('ACCESS_KEY_ID'), 'the key id is kept');
  await page.getByLabel('Secret access key').fill(env('SECRET_ACCESS_KEY'));
  await page.getByLabel('Secret access key').press('Enter');
  await page.waitForURL(`${BASE}/ui/`);
  assert.ok((await page.locator('header').innerText()).includes('Signed in as admin'));

  // A domain: a bad name is refused with the rule, then `acme` is made.
  await page.getByLabel('Name').fill('Acme');
  await page.getByRole('button', { name: 'Create domain' }).click();
  await page.waitForLoadState();
  await alert(page, 'lowercase');
  await page.getByLabel('Name').fill('acme');
  await page.getByRole('button', { name: 'Create domain' }).click();
  await page.waitForURL(/\/ui\/d\/acme/);
  await notice(page, 'The domain was created.');

  // The chain, gateway first.
  await createRepository(page, 'npm-store', '', 'public:npmjs');
  await notice(page, 'The repository was created.');
  await createRepository(page, 'team', 'npm-store', '');
  await createRepository(page, 'app', 'team', '');
  assert.equal(new URL(page.url()).pathname, '/ui/d/acme/r/app');

  // Upstreams and a connection together are refused before anything is made.
  await createRepository(page, 'mixed', 'team', 'public:npmjs');
  await alert(page, 'not both');

  // A repository whose upstream does not exist is refused whole: nothing is made.
  await createRepository(page, 'broken', 'team, missing', '');
  await alert(page, 'missing');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'broken', 'what was typed is kept');
  await page.goto(`${BASE}/ui/d/acme`);
  const listed = await page.locator('tbody th').allInnerTexts();
  assert.deepEqual(listed.sort(), ['app', 'npm-store', 'team']);
  await accessible(page, 'the domain page');
  await shot(page, 'domain');

  await page.goto(`${BASE}/ui/`);
  await accessible(page, 'the domains page');
  await shot(page, 'domains');

  // The graph of `app`, numbered in search order, the gateway and its connection marked.
  await page.goto(`${BASE}/ui/d/acme/r/app`);
  const graph = page.locator('svg.graph');
  assert.equal(await graph.locator('desc').textContent(),
    'Search order: 1 app, 2 team, 3 npm-store, 4 external connection public:npmjs (not used yet).');
  assert.deepEqual(await graph.locator('.node .name').allTextContents(), ['app', 'team', 'npm-store']);
  assert.deepEqual(await graph.locator('.step-number').allTextContents(), ['1', '2', '3', '4']);
  assert.equal(await graph.locator('.node.gateway .name').textContent(), 'npm-store');
  assert.equal(await graph.locator('.connection .name').textContent(), 'public:npmjs');
  assert.equal(await graph.locator('path.edge').count(), 2, 'app reads team, which reads npm-store');
  // Rows by distance: app, then team, then npm-store.
  const box = async (name) => graph.locator('.node', { hasText: name }).locator('rect').boundingBox();
  const [app, team, store] = [await box('app'), await box('team'), await box('npm-store')];
  assert.ok(app.y < team.y && team.y < store.y, `the layout follows the chain: ${JSON.stringify([app, team, store])}`);
  const order = await page.locator('ol.search-order li').allInnerTexts();
  assert.deepEqual(order.map((l) => l.split(/[\s—]/)[0]), ['app', 'team', 'npm-store', 'External']);
  const connect = await page.locator('details.connect').first().innerText();
  assert.ok(connect.includes(`tributary login --tool npm --domain acme --repository app --endpoint-url ${BASE}`), connect);
  await accessible(page, 'the repository page');
  await shot(page, 'repository');

  // The same page on a phone: nothing wider than the screen but the graph and tables, which
  // scroll on their own.
  const phone = await browser.newContext({ ...devices['Pixel 7'], bypassCSP: true, storageState: await context.storageState() });
  const small = await phone.newPage();
  await small.goto(`${BASE}/ui/d/acme/r/app`);
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the phone page scrolls sideways by ${overflow}px`);
  await shot(small, 'repository-phone', false);
  await phone.close();

  // A cycle is refused where it bites, and nothing changes.
  await page.goto(`${BASE}/ui/d/acme/r/team`);
  await page.getByLabel('Upstream repositories, in search order').fill('app');
  await page.getByRole('button', { name: 'Save upstreams' }).click();
  await page.waitForLoadState();
  await alert(page, 'cycle');
  assert.equal(await page.getByLabel('Upstream repositories, in search order').inputValue(), 'app');
  await accessible(page, 'a refused upstream list');
  await shot(page, 'upstreams-refused');
  await page.goto(`${BASE}/ui/d/acme/r/team`);
  assert.equal(await page.getByLabel('Upstream repositories, in search order').inputValue(), 'npm-store');

  // The connection form: refused on a repository with upstreams (nothing changes); on the
  // gateway, removed and set again.
  await page.getByLabel('Connection', { exact: true }).selectOption('public:npmjs');
  await page.getByRole('button', { name: 'Save connection' }).click();
  await page.waitForLoadState();
  await alert(page, 'both');
  await page.goto(`${BASE}/ui/d/acme/r/team`);
  assert.equal(await page.getByLabel('Connection', { exact: true }).inputValue(), '');
  await page.goto(`${BASE}/ui/d/acme/r/npm-store`);
  await page.getByLabel('Connection', { exact: true }).selectOption('');
  await page.getByRole('button', { name: 'Save connection' }).click();
  await page.waitForLoadState();
  await notice(page, 'The external connection was saved.');
  assert.equal(await page.locator('svg.graph .connection').count(), 0);
  await page.getByLabel('Connection', { exact: true }).selectOption('public:npmjs');
  await page.getByRole('button', { name: 'Save connection' }).click();
  await page.waitForLoadState();
  await notice(page, 'The external connection was saved.');
  assert.equal(await page.locator('svg.graph .connection .name').textContent(), 'public:npmjs');

  await context.storageState({ path: STATE });
}

async function packages(browser) {
  const context = await browser.newContext({ bypassCSP: true, storageState: STATE });
  const page = await context.newPage();

  // Both packages: one published here, one fetched through the gateway.
  await page.goto(`${BASE}/ui/d/acme/r/app/packages`);
  const names = async () => (await page.locator('tbody th').allInnerTexts()).sort();
  assert.deepEqual(await names(), ['@acme/widget', 'left-pad']);
  await page.getByLabel('Origin').selectOption('INTERNAL');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForLoadState();
  assert.deepEqual(await names(), ['@acme/widget']);
  await page.getByLabel('Origin').selectOption('EXTERNAL');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForLoadState();
  assert.deepEqual(await names(), ['left-pad']);
  await page.getByLabel('Origin').selectOption('');
  await page.getByLabel('Name starts with').fill('wid');
  await page.getByLabel('Format').selectOption('npm');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForLoadState();
  assert.deepEqual(await names(), ['@acme/widget']);
  await page.getByLabel('Format').selectOption('pypi');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator('tbody th').count(), 0);
  await page.getByLabel('Format').selectOption('');
  await page.getByLabel('Name starts with').fill('');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForLoadState();
  await accessible(page, 'the packages page');
  await shot(page, 'packages');

  // The package, then its version.
  await page.getByRole('link', { name: '@acme/widget' }).click();
  await page.waitForLoadState();
  assert.equal(await page.locator('h1').innerText(), '@acme/widget');
  await accessible(page, 'the package page');
  await shot(page, 'package');
  await page.getByRole('link', { name: '1.0.0', exact: true }).click();
  await page.waitForLoadState();
  const text = await page.locator('main').innerText();
  for (const expected of ['widget-1.0.0.tgz', env('EXPECTED_SHA256'), 'npm install @acme/widget@1.0.0',
    'pnpm add @acme/widget@1.0.0', 'yarn add @acme/widget@1.0.0', 'left-pad', '^1.0.0', 'The widget of Acme',
    'INTERNAL', 'Published', 'MIT']) {
    assert.ok(text.includes(expected), `the version page shows "${expected}"`);
  }
  await accessible(page, 'the version page');
  await shot(page, 'version');

  // Its status, changed.
  await page.getByLabel(/^Unlisted/).check();
  await page.getByRole('button', { name: 'Change status' }).click();
  await page.waitForLoadState();
  await notice(page, 'The status was changed.');
  assert.equal(await page.locator('dl.facts .badge').first().innerText(), 'Unlisted');
  await shot(page, 'version-unlisted');

  // The gateway's connection answered the install: the graph says so.
  await page.goto(`${BASE}/ui/d/acme/r/app`);
  assert.equal(await page.locator('svg.graph desc').textContent(),
    'Search order: 1 app, 2 team, 3 npm-store, 4 external connection public:npmjs (healthy).');

  // The status filter reads the versions' statuses.
  const filtered = async (status) => {
    await page.goto(`${BASE}/ui/d/acme/r/app/packages?status=${status}`);
    return names();
  };
  assert.deepEqual(await filtered('Unlisted'), ['@acme/widget']);
  assert.deepEqual(await filtered('Published'), ['left-pad']);
  assert.deepEqual(await filtered('Archived'), []);
  await context.storageState({ path: STATE });
}

async function signOut(browser) {
  const context = await browser.newContext({ bypassCSP: true, storageState: STATE });
  const page = await context.newPage();
  await page.goto(`${BASE}/ui/`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${BASE}/ui/sign-in`);
  // The session kept before signing out opens nothing any more.
  const stale = await browser.newContext({ bypassCSP: true, storageState: STATE });
  const again = await stale.newPage();
  await again.goto(`${BASE}/ui/d/acme`);
  assert.equal(new URL(again.url()).pathname, '/ui/sign-in');
}

(async () => {
  const phase = process.argv[2];
  const phases = { chain, packages, 'sign-out': signOut };
  if (!phases[phase]) throw new Error(`unknown phase ${phase}`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const browser = await launch();
  try {
    await phases[phase](browser);
  } finally {
    await browser.close();
  }
  console.log(`console.cjs ${phase}: passed`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
