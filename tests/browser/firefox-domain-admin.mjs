/*
 * firefox-domain-admin.mjs — the web admin in Firefox (Debian's
 * firefox-esr, driven over WebDriver BiDi by puppeteer-core), logged in as
 * a domain administrator. Run by tests/integration/test_admin_ui_firefox.py,
 * which prepares the data; the Chromium scenario (scenario.mjs) covers the
 * superadmin's pages in depth.
 *
 * It checks: login works; the navigation offers only the pages a domain
 * admin may use and a superadmin page typed into the address bar falls
 * back to the dashboard; every offered page loads without an error; the
 * accounts page lists the admin's domain only and shows a hostile display
 * name as text; logging out forgets the session. Any dialog (an alert()
 * from injected script) or page error fails the run. Screenshots go to
 * --artifacts. Prints "@@ done {...}" and exits 0 when everything held.
 */
import puppeteer from 'puppeteer-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const SUPER_PAGES = ['queue', 'policy', 'rules', 'dkim', 'admins'];

function args_parse(argv) {
	const opts = { url: '', login: '', password: '', domain: '', 'other-domain': '', evil: '',
		       artifacts: 'artifacts', firefox: '/usr/bin/firefox-esr' };
	for (let i = 2; i < argv.length; i += 2) {
		const name = argv[i].replace(/^--/, '');
		if (!(name in opts) || argv[i + 1] === undefined)
			throw new Error(`unknown or incomplete argument ${argv[i]}`);
		opts[name] = argv[i + 1];
	}
	for (const k of ['url', 'login', 'password', 'domain', 'other-domain', 'evil'])
		if (!opts[k])
			throw new Error(`--${k} is required`);
	return opts;
}

function step(name) {
	process.stdout.write(`-- ${name}\n`);
}

/* Open route, wait for its heading and its requests, then check that the
   page shows no load failure or error and that nothing became markup. */
async function visit(page, o, route) {
	await page.goto(`${o.url}/#/${route}`);
	await page.waitForSelector('main .page-head h1');
	await page.waitForNetworkIdle({ idleTime: 300 }).catch(() => {});
	const state = await page.evaluate(() => ({
		current: document.querySelector('nav a.current')?.dataset.page,
		errors: [...document.querySelectorAll('main .form-error, .flash.error')]
			.map(e => e.textContent).filter(t => t.trim()),
		injected: document.querySelectorAll('main img, main script').length,
	}));
	if (state.errors.length)
		throw new Error(`#/${route} shows an error: ${state.errors.join(' | ')}`);
	if (state.injected)
		throw new Error(`#/${route}: ${state.injected} element(s) injected from displayed values`);
	await page.screenshot({ path: join(o.artifacts, `ff-${route}.png`), fullPage: true });
	return state;
}

async function login(page, o) {
	step('login');
	await page.goto(o.url + '/');
	await page.waitForSelector('form.auth-form');
	await page.type('#login-login', o.login);
	await page.type('#login-password', o.password);
	await page.click('form.auth-form button[type=submit]');
	await page.waitForSelector('main .page-head h1');
}

async function navigation(page, o) {
	step('navigation: no superadmin pages');
	const offered = await page.$$eval('nav a[data-page]', links => links.map(a => a.dataset.page));
	const forbidden = offered.filter(p => SUPER_PAGES.includes(p));
	if (forbidden.length)
		throw new Error(`a domain admin is offered ${forbidden.join(', ')}`);
	for (const route of SUPER_PAGES) {
		await page.goto(`${o.url}/#/${route}`);
		await page.waitForFunction(() => document.querySelector('nav a.current')?.dataset.page
					   === 'dashboard');
	}
	return offered;
}

async function accounts(page, o) {
	step('accounts: own domain only, hostile name as text');
	await visit(page, o, 'accounts');
	await page.waitForFunction(evil => [...document.querySelectorAll('main tbody td')]
		.some(td => td.textContent === evil), {}, o.evil);
	const addresses = await page.$$eval('main tbody tr td:first-child', tds => tds.map(td => td.textContent));
	const foreign = addresses.filter(a => a.includes('@') && !a.endsWith('@' + o.domain));
	if (foreign.length || addresses.some(a => a.endsWith('@' + o['other-domain'])))
		throw new Error(`the accounts page shows other domains' accounts: ${foreign.join(', ')}`);
	return addresses.length;
}

async function main() {
	const o = args_parse(process.argv);
	mkdirSync(o.artifacts, { recursive: true });
	const problems = [];
	const browser = await puppeteer.launch({ browser: 'firefox', executablePath: o.firefox,
						 headless: true, acceptInsecureCerts: true });
	let report;
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1360, height: 860 });
		page.setDefaultTimeout(15000);
		page.on('dialog', d => { problems.push(`dialog fired: ${d.type()} ${d.message()}`); d.dismiss(); });
		page.on('pageerror', e => problems.push('page error: ' + (e.message || e)));
		await login(page, o);
		const offered = await navigation(page, o);
		for (const route of offered.filter(r => r !== 'accounts'))
			await visit(page, o, route);
		const rows = await accounts(page, o);
		step('log out');
		await page.click('#logout');
		await page.waitForSelector('form.auth-form');
		if (await page.evaluate(() => sessionStorage.length))
			problems.push('the session survived the logout');
		report = { pages: offered, account_rows: rows,
			   browser: await browser.version() };
	} finally {
		await browser.close();
	}
	if (problems.length)
		throw new Error(problems.join('\n'));
	process.stdout.write(`@@ done ${JSON.stringify(report)}\n`);
}

main().then(() => process.exit(0), e => {
	process.stderr.write(`firefox scenario failed: ${e.stack || e}\n`);
	process.exit(1);
});
