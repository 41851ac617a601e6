import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { ADMIN, FIONA, a11yViolations, launchBrowser, openConsole, phone, screenshot, signIn, startCalsync, type Calsync } from './harness';

let cs: Calsync;
let browser: Browser;

beforeAll(async () => {
  [cs, browser] = await Promise.all([startCalsync(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await cs?.stop();
});

test('a wrong password shows the server message; the right one opens the deep link; sign out returns to the form', async () => {
  const { page, errors, context } = await openConsole(browser);
  await page.goto(cs.url + '/sync');
  await expect(page.getByRole('heading', { name: 'Calsync' })).toBeTruthy();
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel(/^Password/).fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').innerText()).toMatch(/password/i);
  await screenshot(page, 'signin');
  expect(await a11yViolations(page)).toEqual([]);

  await page.getByLabel(/^Password/).fill(cs.creds.get(ADMIN)!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/sync');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  // Signed out for real: the API no longer knows the browser.
  const viewer = await page.evaluate(async () => {
    const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{viewer{role}}"}' });
    return (await r.json()).data.viewer;
  });
  expect(viewer).toBeNull();
  expect(errors.filter((e) => !/401|403|Failed to load resource/.test(e))).toEqual([]);
  await context.close();
});

test('a fieldworker on a phone gets a menu without the admin pages', async () => {
  const { page, errors, context } = await openConsole(browser, { viewport: phone });
  await signIn(page, cs, FIONA);
  await page.getByRole('button', { name: 'Menu' }).click();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'My calendar sync' }).waitFor();
  expect(await nav.getByRole('link', { name: 'Organization settings' }).count()).toBe(0);
  expect(await nav.getByRole('link', { name: 'Fieldworkers' }).count()).toBe(0);
  expect(errors).toEqual([]);
  await context.close();
});
