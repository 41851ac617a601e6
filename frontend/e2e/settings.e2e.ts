import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN,
  FIONA,
  PEKKA,
  SCHEDULER,
  a11yViolations,
  api,
  launchBrowser,
  openConsole,
  screenshot,
  signIn,
  startCalsync,
  until,
  type Calsync,
} from './harness';

let cs: Calsync;
let browser: Browser;
let admin: Awaited<ReturnType<typeof openConsole>>;

beforeAll(async () => {
  [cs, browser] = await Promise.all([startCalsync(), launchBrowser()]);
  admin = await openConsole(browser);
  // The embedded demo starts with both providers on; the admin turns Google on here.
  const gql = await api(cs, ADMIN);
  await gql('mutation { updateProviderConfig(input: { provider: GOOGLE, enabled: false }) { id } }');
  await signIn(admin.page, cs, ADMIN, '/settings');
});
afterAll(async () => {
  await admin?.context.close();
  await browser?.close();
  await cs?.stop();
});

// Errors the browser logs for answers the test provokes on purpose (a
// refused secret, a status still in use) are not the page's errors.
function unexpected(errors: string[]): string[] {
  return errors.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e));
}

/** shown waits for a locator; on a timeout the error carries what the page shows. */
async function shown(page: Page, what: ReturnType<Page['locator']>): Promise<void> {
  try {
    await what.waitFor({ timeout: 15_000 });
  } catch (e) {
    const main = await page.locator('main').first().innerText().catch(() => '');
    throw new Error(`${String(e)}\n--- the page shows:\n${main.slice(0, 1500)}`);
  }
}

/** set turns a switch, checkbox or radio to a state from the keyboard, as a keyboard user would. */
/** a11y runs axe with the pointer parked away from the menu (a hovered menu link is a Shell matter). */
async function a11y(page: Page): Promise<string[]> {
  await page.mouse.move(700, 5);
  return a11yViolations(page);
}

async function set(control: ReturnType<Page['locator']>, on = true): Promise<void> {
  if ((await control.isChecked()) !== on) {
    await control.focus();
    await control.press('Space');
  }
  await until(`${on ? 'checked' : 'unchecked'} ${control}`, async () => (await control.isChecked()) === on, 5_000);
}

const googlePanel = (page: Page) => page.getByRole('tabpanel', { name: 'Google' });

test('turning Google on for everyone (no user override, platform app) reaches the API and the fieldworkers', async () => {
  const { page } = admin;
  await page.getByRole('heading', { name: 'Organization settings' }).waitFor();
  await page.getByRole('tab', { name: 'Google' }).click();
  const panel = googlePanel(page);
  await panel.getByRole('heading', { name: 'Google calendar sync' }).waitFor();
  await set(panel.getByRole('switch', { name: /Sync bookings to Google calendars/ }));
  await set(panel.getByRole('switch', { name: /Users can override/ }), false);
  await set(panel.getByRole('radio', { name: /Calsync's app/ }));
  // Turning consent on offers to email the fieldworkers; the test sends its own email later.
  await set(panel.getByRole('checkbox', { name: /Send authorization emails/ }), false);
  await panel.getByRole('button', { name: 'Save Google settings' }).click();
  await page.getByText('Google settings saved.').waitFor();

  const gql = await api(cs, ADMIN);
  const org = await gql<{ organization: { providerConfigs: { provider: string; enabled: boolean; usersCanOverride: boolean; credentialMode: string }[] } }>(
    '{ organization { providerConfigs { provider enabled usersCanOverride credentialMode } } }',
  );
  expect(org.organization.providerConfigs.find((c) => c.provider === 'GOOGLE')).toEqual({
    provider: 'GOOGLE',
    enabled: true,
    usersCanOverride: false,
    credentialMode: 'PLATFORM_APP',
  });
  const fiona = await api(cs, FIONA);
  const syncs = await fiona<{ viewer: { user: { calendarSyncs: { provider: string; enabled: boolean; reason: string; action: string }[] } } }>(
    '{ viewer { user { calendarSyncs { provider enabled reason action } } } }',
  );
  expect(syncs.viewer.user.calendarSyncs.find((s) => s.provider === 'GOOGLE')).toMatchObject({ enabled: true, action: 'LINK' });
  // The checkbox is offered only while a save would turn consent on.
  expect(await panel.getByRole('checkbox', { name: /Send authorization emails/ }).count()).toBe(0);
});

test('a refused private app shows the server’s message and keeps the form; Test connection answers', async () => {
  const { page } = admin;
  const panel = googlePanel(page);
  await set(panel.getByRole('radio', { name: /Your own OAuth app/ }));
  await panel.getByLabel(/^Client id/).fill('bogus-client-id');
  await panel.getByLabel(/^Client secret/).fill('bogus-secret');
  await panel.getByRole('button', { name: 'Save Google settings' }).click();
  const refusal = panel.getByRole('alert').filter({ hasText: 'Google settings were not saved' });
  await refusal.waitFor();
  expect(await refusal.innerText()).toMatch(/clientSecret/);
  expect(await panel.getByLabel(/^Client id/).inputValue()).toBe('bogus-client-id');
  expect(await panel.getByLabel(/^Client secret/).inputValue()).toBe('bogus-secret');
  expect(await panel.getByRole('radio', { name: /Your own OAuth app/ }).isChecked()).toBe(true);

  // Nothing was stored: the organization still uses the platform app, which the test checks.
  await panel.getByRole('button', { name: 'Test connection' }).click();
  const answer = panel.getByRole('status').filter({ hasText: /Connection (works|failed)/ });
  await answer.waitFor();
  expect(await answer.innerText()).toMatch(/Connection works/);
  await screenshot(page, 'settings-google');
  expect(await a11y(page)).toEqual([]);
  const gql = await api(cs, ADMIN);
  const org = await gql('{ organization { providerConfigs { provider credentialMode clientID hasClientSecret } } }');
  expect(org.organization.providerConfigs.find((c: { provider: string }) => c.provider === 'GOOGLE')).toMatchObject({
    credentialMode: 'PLATFORM_APP',
    hasClientSecret: false,
  });
  await set(panel.getByRole('radio', { name: /Calsync's app/ }));
});

test('general settings, booking statuses and booking types', async () => {
  const { page } = admin;
  await page.getByRole('tab', { name: 'General' }).click();
  const colour = page.getByLabel('Google event colour');
  await colour.fill('#0b8043');
  await colour.press('Tab');
  await page.getByRole('button', { name: 'Save general settings' }).click();
  await page.getByText('Organization settings saved.').waitFor();
  await page.reload();
  await page.getByLabel('Google event colour').waitFor();
  expect(await page.getByLabel('Google event colour').inputValue()).toBe('#0b8043');
  await screenshot(page, 'settings-general');
  expect(await a11y(page)).toEqual([]);

  // A status that does not push: created, edited, deleted.
  await page.getByRole('tab', { name: 'Booking statuses' }).click();
  const list = page.getByRole('list', { name: 'Booking statuses' });
  await list.waitFor();
  await page.getByRole('button', { name: 'New status' }).click();
  const dialog = page.getByRole('dialog', { name: 'New booking status' });
  await dialog.getByLabel(/^Name/).fill('On hold');
  await set(dialog.getByRole('switch', { name: /Push to calendars/ }), false);
  await dialog.getByRole('button', { name: 'Create status' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const item = list.getByRole('listitem').filter({ hasText: 'On hold' });
  await item.getByText('Not pushed').waitFor();

  await page.getByRole('button', { name: 'Edit On hold' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit booking status' });
  await edit.getByLabel('Description').fill('Waiting for the customer to confirm');
  await set(edit.getByRole('switch', { name: /Remove events from calendars/ }), false);
  await edit.getByRole('button', { name: 'Save status' }).click();
  await edit.waitFor({ state: 'hidden' });
  await item.getByText('Waiting for the customer to confirm').waitFor();
  await item.getByText('Keeps events').waitFor();
  await screenshot(page, 'settings-statuses');
  expect(await a11y(page)).toEqual([]);

  await page.getByRole('button', { name: 'Delete On hold' }).click();
  await page.getByRole('dialog', { name: /Delete “On hold”/ }).getByRole('button', { name: 'Delete status' }).click();
  await until('On hold deleted', async () => (await list.getByRole('button', { name: 'Edit On hold' }).count()) === 0);

  // The server refuses to delete a status bookings use; its message is shown.
  await page.getByRole('button', { name: 'Delete Confirmed' }).click();
  await page.getByRole('dialog', { name: /Delete “Confirmed”/ }).getByRole('button', { name: 'Delete status' }).click();
  const refused = page.getByRole('alert').filter({ hasText: 'The status was not deleted' });
  await refused.waitFor();
  expect((await refused.innerText()).length).toBeGreaterThan('The status was not deleted'.length + 5);
  await list.getByRole('button', { name: 'Edit Confirmed' }).waitFor();

  // A booking type that does not sync.
  await page.getByRole('tab', { name: 'Booking types' }).click();
  await page.getByRole('button', { name: 'New type' }).click();
  const typeDialog = page.getByRole('dialog', { name: 'New booking type' });
  await typeDialog.getByLabel(/^Name/).fill('Classroom course');
  await set(typeDialog.getByRole('switch', { name: /Sync to calendars/ }), false);
  await typeDialog.getByRole('button', { name: 'Create type' }).click();
  await typeDialog.waitFor({ state: 'hidden' });
  await page.getByRole('list', { name: 'Booking types' }).getByRole('listitem').filter({ hasText: 'Classroom course' }).getByText('Does not sync').waitFor();
  const gql = await api(cs, ADMIN);
  const types = await gql<{ bookingTypes: { name: string; syncToCalendar: boolean }[] }>('{ bookingTypes { name syncToCalendar } }');
  expect(types.bookingTypes.find((t) => t.name === 'Classroom course')).toEqual({ name: 'Classroom course', syncToCalendar: false });
});

test('the outbox shows an authorization email with its link; the audit log shows the provider change', async () => {
  const { page, errors } = admin;
  const gql = await api(cs, ADMIN);
  const fws = await gql<{ fieldworkers: { edges: { node: { id: string; email: string } }[] } }>(
    '{ fieldworkers { edges { node { id email } } } }',
  );
  const pekka = fws.fieldworkers.edges.find((e) => e.node.email === PEKKA)!.node;
  await gql('mutation($u:[ID!]!){ sendAuthorizationEmails(provider: GOOGLE, userIds: $u) { id } }', { u: [pekka.id] });

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
  const message = page.getByRole('button', { name: new RegExp(`connect your Google calendar.*${PEKKA.replace(/\./g, '\\.')}`) });
  await shown(page, message);
  await screenshot(page, 'outbox');
  expect(await a11y(page)).toEqual([]);
  await message.click();
  const dialog = page.getByRole('dialog', { name: /connect your Google calendar/ });
  const link = dialog.getByRole('link', { name: /\/invite\// });
  await link.waitFor();
  expect(await link.getAttribute('href')).toMatch(new RegExp(`^${cs.url.replace(/\./g, '\\.')}/invite/`));
  await dialog.getByRole('button', { name: 'Show HTML version' }).click();
  const frame = dialog.locator('iframe[title="HTML version of the email"]');
  expect(await frame.getAttribute('sandbox')).toBe('');
  expect(await a11y(page)).toEqual([]);
  await page.keyboard.press('Escape');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await page.getByLabel('Filter').fill('provider_config');
  const events = page.getByRole('listitem').filter({ hasText: 'provider_config.update' });
  await events.first().waitFor();
  expect(await events.first().innerText()).toMatch(/Admin|admin@/);
  expect(await page.getByRole('listitem').filter({ hasText: 'BookingStatus' }).count()).toBe(0);
  await screenshot(page, 'audit-log');
  expect(await a11y(page)).toEqual([]);
  expect(unexpected(errors)).toEqual([]);
});

test('a scheduler opening /settings sees the refusal, not the form', async () => {
  const { page, errors, context } = await openConsole(browser);
  await signIn(page, cs, SCHEDULER);
  await page.goto(cs.url + '/settings');
  await page.getByText('This page is for administrators only.').waitFor();
  expect(await page.getByRole('button', { name: 'Save general settings' }).count()).toBe(0);
  expect(await page.getByRole('tab', { name: 'Google' }).count()).toBe(0);
  expect(errors).toEqual([]);
  await context.close();
});
