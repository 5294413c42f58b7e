/*
 * scenario.mjs — the web admin driven in headless Chromium (playwright-core,
 * /usr/bin/chromium) by tests/integration/test_admin_ui.py.
 *
 *   node scenario.mjs --url http://127.0.0.1:PORT --login root --password P \
 *        --artifacts DIR [--domain ui.test] [--setup LINK --setup-login L]
 *
 * With --setup, the first-run flow comes first: the set-up link printed by
 * `petrelctl admin setup-link` creates the superadmin L (password P) and
 * is refused when opened again.
 *
 * Mail and IMAP happen in the Python test between steps: at a checkpoint
 * this script prints "@@ NAME {json}" on stdout and waits for one JSON line
 * on stdin (the test's answer, e.g. the queued message's id). Any browser
 * dialog (alert/confirm/prompt: the UI uses none, so one means injected
 * script ran), page error or CSP violation fails the run. Screenshots of
 * every page go to DIR. Exit status 0 = every step passed; the last line,
 * "@@ done {refreshes: N}", counts the access-token refreshes the UI made.
 */
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const EVIL = '<img src=x onerror=alert(1)><script>alert(2)</script>';

function args_parse(argv) {
	const opts = {
		url: process.env.PETREL_UI_URL, login: process.env.PETREL_UI_LOGIN,
		password: process.env.PETREL_UI_PASSWORD, artifacts: process.env.PETREL_UI_ARTIFACTS || 'artifacts',
		domain: process.env.PETREL_UI_DOMAIN || 'ui.test',
		setup: process.env.PETREL_UI_SETUP || '', 'setup-login': process.env.PETREL_UI_SETUP_LOGIN || '',
		chromium: process.env.PETREL_CHROMIUM || '/usr/bin/chromium',
	};
	for (let i = 2; i < argv.length; i += 2) {
		const name = argv[i].replace(/^--/, '');
		if (!(name in opts) || argv[i + 1] === undefined)
			throw new Error(`unknown or incomplete argument ${argv[i]}`);
		opts[name] = argv[i + 1];
	}
	for (const k of ['url', 'login', 'password'])
		if (!opts[k])
			throw new Error(`--${k} is required`);
	return opts;
}

const stdin_lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/* Hand over to the Python test and wait for its answer. */
async function checkpoint(name, data) {
	process.stdout.write(`@@ ${name} ${JSON.stringify(data || {})}\n`);
	const { value, done } = await stdin_lines.next();
	if (done)
		throw new Error(`checkpoint ${name}: the test closed stdin`);
	const answer = JSON.parse(value);
	if (answer.error)
		throw new Error(`checkpoint ${name}: ${answer.error}`);
	return answer;
}

const started = Date.now();

function step(name) {
	process.stdout.write(`-- ${((Date.now() - started) / 1000).toFixed(1)}s ${name}\n`);
}

/* Screenshot a page, after checking that no value on it became markup:
   the UI draws no <img> or <script> of its own, so any is injected. */
async function shot(page, dir, name) {
	await page.waitForLoadState('networkidle').catch(() => {});
	const injected = await page.evaluate(() => document.querySelectorAll('main img, main script').length);
	if (injected)
		throw new Error(`${name}: ${injected} element(s) injected from displayed values`);
	await page.screenshot({ path: join(dir, name + '.png'), fullPage: true });
}

async function open(page, base, route) {
	await page.goto(`${base}/#/${route}`);
	await page.waitForSelector('main .page-head h1');
}

/* Wait until this dialog is gone (another may open at once, e.g. the DNS
   record after "Generate key": a selector would match that one). */
async function dialog_gone(page, handle) {
	await page.waitForFunction(el => !el.isConnected, handle);
}

/* Fill a form_dialog() field by name and submit it. */
async function dialog_submit(page, values) {
	const handle = await page.waitForSelector('dialog[open]');
	const dlg = page.locator('dialog[open]');
	for (const [name, value] of Object.entries(values)) {
		const field = dlg.locator(`[name="${name}"]`);
		if (typeof value === 'boolean')
			await field.setChecked(value);
		else if (await field.evaluate(el => el.tagName) === 'SELECT')
			await field.selectOption(String(value));
		else
			await field.fill(String(value));
	}
	await dlg.locator('button[type=submit]').click();
	await dialog_gone(page, handle);
}

async function confirm(page, yes) {
	const handle = await page.waitForSelector('dialog[open]');
	const dlg = page.locator('dialog[open]');
	await dlg.locator(yes ? 'button[data-confirm=yes]' : 'button:not([data-confirm])').click();
	await dialog_gone(page, handle);
}

function row(page, text) {
	return page.locator('main table.grid tbody tr', { hasText: text });
}

async function setup_link(page, o) {
	step('set-up link: create the first superadmin');
	await page.goto(o.setup);
	await page.waitForSelector('form.auth-form');
	await shot(page, o.artifacts, '00-setup');
	await page.fill('#login-login', o['setup-login']);
	await page.fill('#login-password', o.password);
	await page.fill('#login-password2', o.password + 'x');
	await page.click('form.auth-form button[type=submit]');
	await page.waitForSelector('form.auth-form .form-error:not(:empty)');
	await page.fill('#login-password2', o.password);
	await page.click('form.auth-form button[type=submit]');
	await page.waitForSelector('nav.side');
	const who = await page.locator('header.top .who').textContent();
	if (!who.includes(o['setup-login']) || !who.includes('superadmin'))
		throw new Error('after set-up the header shows ' + who);
	await page.click('#logout');
	await page.waitForSelector('form.auth-form');
	step('set-up link: used once');
	await page.goto(o.setup);
	await page.locator('h1', { hasText: 'not valid' }).waitFor();
	await checkpoint('setup-done', { login: o['setup-login'] });
}

async function login(page, o) {
	step('login page');
	await page.goto(o.url + '/');
	await page.waitForSelector('form.auth-form');
	await shot(page, o.artifacts, '01-login');
	await page.fill('#login-login', o.login);
	await page.fill('#login-password', 'wrong password');
	await page.click('form.auth-form button[type=submit]');
	await page.waitForSelector('form.auth-form .form-error:not(:empty)');
	await page.fill('#login-password', o.password);
	await page.click('form.auth-form button[type=submit]');
	await page.waitForSelector('nav.side');
}

async function domains_and_accounts(page, o) {
	step('domains: create ' + o.domain);
	await open(page, o.url, 'domains');
	await page.click('main .page-tools button.primary');
	await dialog_submit(page, { name: o.domain });
	await row(page, o.domain).waitFor();
	await shot(page, o.artifacts, '03-domains');

	step('accounts: create');
	await open(page, o.url, 'accounts?domain=' + o.domain);
	for (const [local, name] of [['carol', 'Carol Example'], ['mallory', EVIL]]) {
		await page.click('main .page-tools button.primary');
		await dialog_submit(page, { address: `${local}@${o.domain}`, password: 'Secret-pass-1',
					    display_name: name, quota: '50M' });
		await row(page, `${local}@${o.domain}`).waitFor();
	}
	step('accounts: a hostile display name is text');
	const evil = row(page, `mallory@${o.domain}`).locator('td').nth(1);
	if (await evil.textContent() !== EVIL)
		throw new Error('the display name is not shown verbatim: ' + await evil.textContent());
	const injected = await page.evaluate(() => document.querySelectorAll('main img, main script').length);
	if (injected)
		throw new Error(`${injected} element(s) injected from a display name`);
	step('accounts: search');
	await page.fill('main input.search', 'carol');
	await page.waitForFunction(() => !document.querySelector('main tbody')?.textContent.includes('mallory'));
	await row(page, 'carol@').waitFor();
	await shot(page, o.artifacts, '04-accounts');
}

async function dashboard_traffic(page, o) {
	await checkpoint('send-mail', { to: `carol@${o.domain}` });
	step('dashboard: the message shows in the traffic');
	const deadline = Date.now() + 30000;
	for (;;) {
		await open(page, o.url, 'dashboard');
		await page.waitForSelector('#traffic-received, #dash-traffic .form-error');
		const text = await page.locator('#dash-traffic').textContent();
		const n = Number(await page.locator('#traffic-received').textContent().catch(() => '0'));
		if (n >= 1)
			break;
		if (Date.now() > deadline)
			throw new Error('the dashboard never showed the received message: ' + text);
		await page.waitForTimeout(1000);
	}
	await page.waitForSelector('#dash-nodes table');
	await shot(page, o.artifacts, '02-dashboard');
}

async function block_account(page, o) {
	step('accounts: block');
	await open(page, o.url, 'accounts?domain=' + o.domain);
	const r = row(page, `carol@${o.domain}`);
	await r.locator('button.btn-block').click();
	await r.locator('.badge.bad', { hasText: 'blocked' }).waitFor();
	await checkpoint('blocked', { address: `carol@${o.domain}` });
	await shot(page, o.artifacts, '05-accounts-blocked');
}

async function aliases(page, o) {
	step('aliases: create a list, cancel then confirm its deletion');
	await open(page, o.url, 'aliases?domain=' + o.domain);
	await page.click('main .page-tools button.primary');
	await dialog_submit(page, { address: `team@${o.domain}`,
				    targets: `carol@${o.domain}\nmallory@${o.domain}`, reject_external: true });
	await row(page, `team@${o.domain}`).waitFor();
	await shot(page, o.artifacts, '06-aliases');
	await row(page, `team@${o.domain}`).locator('button.danger').click();
	await confirm(page, false);
	await row(page, `team@${o.domain}`).waitFor();
	await row(page, `team@${o.domain}`).locator('button.danger').click();
	await confirm(page, true);
	await row(page, `team@${o.domain}`).waitFor({ state: 'detached' });
}

async function queue(page, o) {
	const { id } = await checkpoint('queue-message', {});
	step('queue: retry ' + id);
	await open(page, o.url, 'queue');
	const r = row(page, id);
	await r.waitFor();
	await shot(page, o.artifacts, '07-queue');
	await r.locator('button.btn-retry').click();
	await page.locator('.flash', { hasText: 'retried' }).waitFor();
	await checkpoint('retried', { id });
}

async function rules(page, o) {
	step('rules: a bad condition is refused, a good rule made');
	await open(page, o.url, 'rules');
	const smtp = page.locator('main section.card').first();
	await smtp.locator('button.primary').click();
	const values = { name: 'ui-no-spammer', stage: 'mail', conditions: 'sender sounds_like spammer@',
			 action: 'reject', argument: '550 5.7.1 no thanks' };
	const dlg = page.locator('dialog[open]');
	for (const [name, value] of Object.entries(values)) {
		const field = dlg.locator(`[name="${name}"]`);
		if (await field.evaluate(el => el.tagName) === 'SELECT')
			await field.selectOption(value);
		else
			await field.fill(value);
	}
	await dlg.locator('button[type=submit]').click();
	await dlg.locator('.form-error', { hasText: 'unknown operator' }).waitFor();
	await dialog_submit(page, { conditions: 'sender contains spammer@' });
	await row(page, 'ui-no-spammer').waitFor();
	await shot(page, o.artifacts, '09-rules');
	await checkpoint('rule-made', { sender: 'spammer@bad.test' });
}

async function settings_domain(page, o) {
	step('settings: set one at domain scope, then reset it');
	const name = 'quota_exceeded_permanent';
	await open(page, o.url, 'settings?domain=' + o.domain);
	await page.fill('main input.search', name);
	const r = row(page, name);
	await r.locator('.badge', { hasText: /^(server|default)$/ }).waitFor();
	await r.locator('button', { hasText: 'Set' }).click();
	await dialog_submit(page, { value: 'yes' });
	await r.locator('.badge', { hasText: 'domain' }).waitFor();
	await shot(page, o.artifacts, '10-settings-domain');
	await r.locator('button.danger').click();
	await confirm(page, true);
	await r.locator('.badge', { hasText: /^(server|default)$/ }).waitFor();
}

async function dkim(page, o) {
	step('DKIM: generate a key and show its DNS record');
	await open(page, o.url, 'dkim');
	await page.click('main .page-tools button.primary');
	await dialog_submit(page, { domain: o.domain, selector: 'ui', algorithm: 'ed25519' });
	const record = page.locator('dialog[open] #dns-record');
	await record.waitFor();
	if (!/v=DKIM1/.test(await record.textContent()))
		throw new Error('the DNS record shown is ' + await record.textContent());
	await shot(page, o.artifacts, '11-dkim-dns');
	await page.locator('dialog[open] button.primary').click();
	await row(page, 'ed25519').waitFor();
	await shot(page, o.artifacts, '11-dkim');
}

async function other_pages(page, o) {
	step('policy, rules, settings, DKIM, admins');
	for (const tab of ['greylist', 'white', 'black', 'bans']) {
		await open(page, o.url, 'policy?tab=' + tab);
		await page.waitForSelector('main table.grid');
		await shot(page, o.artifacts, '08-policy-' + tab);
	}
	await rules(page, o);
	await settings_domain(page, o);
	await open(page, o.url, 'settings');
	await page.waitForSelector('main table.grid tbody tr td .badge');
	await shot(page, o.artifacts, '10-settings-server');
	await dkim(page, o);
	await open(page, o.url, 'admins');
	await shot(page, o.artifacts, '12-admins');
}

async function run_steps(page, o, problems) {
	if (o.setup)
		await setup_link(page, o);
	await login(page, o);
	await domains_and_accounts(page, o);
	await dashboard_traffic(page, o);
	await block_account(page, o);
	await aliases(page, o);
	await queue(page, o);
	await other_pages(page, o);
	step('log out');
	await page.click('#logout');
	await page.waitForSelector('form.auth-form');
	if (await page.evaluate(() => sessionStorage.length))
		problems.push('the session survived the logout');
}

/* What the page showed when a step failed: its errors and a screenshot. */
async function page_state(page, o) {
	await page.screenshot({ path: join(o.artifacts, 'failure.png'), fullPage: true }).catch(() => {});
	const errors = await page.locator('.form-error:not(:empty), .flash.error').allTextContents()
		.catch(() => []);
	return `page ${page.url()} showed: ${errors.join(' | ') || '(no error message)'}`;
}

async function main() {
	const o = args_parse(process.argv);
	mkdirSync(o.artifacts, { recursive: true });
	const problems = [];
	let refreshes = 0;
	const browser = await chromium.launch({ executablePath: o.chromium, headless: true,
						args: ['--no-sandbox', '--disable-dev-shm-usage'] });
	try {
		const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, ignoreHTTPSErrors: true });
		page.setDefaultTimeout(15000);
		page.on('dialog', d => { problems.push(`dialog fired: ${d.type()} ${d.message()}`); d.dismiss(); });
		page.on('request', r => { refreshes += r.url().endsWith('/api/v1/auth/refresh'); });
		page.on('pageerror', e => problems.push('page error: ' + e.message));
		page.on('console', m => {
			if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
				problems.push('console: ' + m.text());
		});
		try {
			await run_steps(page, o, problems);
		} catch (e) {
			throw new Error(`${e.message}\n${await page_state(page, o)}`);
		}
	} finally {
		await browser.close();
	}
	if (problems.length)
		throw new Error(problems.join('\n'));
	process.stdout.write(`@@ done ${JSON.stringify({ refreshes })}\n`);
}

/* stdin stays open for checkpoints: exit explicitly once done */
main().then(() => process.exit(0), e => {
	process.stderr.write(`scenario failed: ${e.stack || e}\n`);
	process.exit(1);
});
