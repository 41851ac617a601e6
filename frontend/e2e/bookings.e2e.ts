import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN,
  FIONA,
  SCHEDULER,
  a11yViolations,
  api,
  consentAtProvider,
  emulator,
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

beforeAll(async () => {
  [cs, browser] = await Promise.all([startCalsync(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await cs?.stop();
});

const FIONA_CAL = '/google/calendars/fiona@demo.calsync.test/events';

/** The date in Helsinki days from now ("YYYY-MM-DD"). */
function helsinkiDate(daysFromNow: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(new Date(Date.now() + daysFromNow * 86_400_000));
}

async function googleEvents(): Promise<{ summary?: string; status?: string; recurrence?: string[] }[]> {
  const r = await emulator<{ items: { summary?: string; status?: string; recurrence?: string[] }[] }>(cs, 'GET', FIONA_CAL);
  return r.items ?? [];
}

async function pickOption(page: Page, label: string | RegExp, option: string | RegExp) {
  await page.getByLabel(label).first().click();
  await page.getByRole('option', { name: option }).click();
}

test('Google linked for fiona: create, see, edit and cancel a booking; bulk actions on the list', async () => {
  // 1. Google on (API), fiona links her calendar in a browser of her own.
  const admin = await api(cs, ADMIN);
  await admin(
    'mutation { updateProviderConfig(input: { provider: GOOGLE, enabled: true, credentialMode: PLATFORM_APP, notifyFieldworkers: false }) { id enabled } }',
  );
  const fiona = await api(cs, FIONA);
  const link = await fiona<{ startCalendarLink: { url: string } }>('mutation { startCalendarLink(provider: GOOGLE) { url } }');
  const fionaCtx = await browser.newContext();
  const consentPage = await fionaCtx.newPage();
  await consentPage.goto(link.startCalendarLink.url);
  await consentAtProvider(consentPage, 'GOOGLE', FIONA);
  await fionaCtx.close();
  await until('fiona linked to Google', async () => {
    const r = await fiona<{ viewer: { user: { calendarSyncs: { provider: string; action: string; account: { status: string } | null }[] } } }>(
      '{ viewer { user { calendarSyncs { provider action account { status } } } } }',
    );
    const g = r.viewer.user.calendarSyncs.find((s) => s.provider === 'GOOGLE');
    return g?.account?.status === 'ACTIVE' && g.action === 'NONE';
  });

  // 2. The scheduler creates a weekly booking for fiona through the form.
  const { page, errors, context } = await openConsole(browser);
  try {
    await flow(page, errors);
  } catch (e) {
    // What the page showed when it failed.
    await page.screenshot({ path: 'test-artifacts/bookings-failure.png', fullPage: true }).catch(() => {});
    throw new Error(`${String(e)}\nconsole errors: ${JSON.stringify(errors)}`);
  } finally {
    await context.close();
  }
});

async function flow(page: Page, errors: string[]) {
  await signIn(page, cs, SCHEDULER, '/bookings/new');
  await page.getByRole('heading', { name: 'New booking' }).waitFor();
  const tomorrow = helsinkiDate(1);
  const title = `E2E weekly visit ${Date.now() % 100000}`;
  await page.getByLabel(/^Title/).fill(title);
  // Fiona's demo booking tomorrow is 10:00–11:30 (Helsinki): overlap it.
  await page.getByLabel(/^Start/).fill(`${tomorrow}T10:30`);
  await page.getByLabel(/^End/).fill(`${tomorrow}T11:30`);
  await pickOption(page, 'Hosts', 'Fiona Field');
  await page.keyboard.press('Escape');
  const warning = page.getByRole('alert').filter({ hasText: 'Busy at this time' });
  await warning.getByText(/Fiona Field is busy: Leak repair — Vallila \(booking\) 10:00–11:30/).waitFor();
  await pickOption(page, 'Frequency', /^Weekly on /);
  await page.getByRole('radio', { name: 'After' }).check();
  await page.getByLabel('Number of times').fill('4');
  await page.getByText(/FREQ=WEEKLY;BYDAY=[A-Z]{2};COUNT=4/).waitFor();
  await page.getByLabel('Addresses').fill('Testikatu 1, 00100 Helsinki');
  await page.getByRole('button', { name: 'Add property' }).click();
  await page.getByLabel('Property 1 name').fill('Gate code');
  await page.getByLabel('Property 1 value').fill('4321');
  await screenshot(page, 'booking-form-new');
  expect(await a11yViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Create booking' }).click();
  await page.waitForURL(/\/bookings\/\d+$/);
  const id = new URL(page.url()).pathname.split('/').pop()!;
  await page.getByRole('heading', { name: title }).waitFor();

  const sched = await api(cs, SCHEDULER);
  const stored = await sched<{ node: { recurrence: string; addresses: string[]; customProperties: Record<string, string>; hosts: { email: string }[]; startAt: string } }>(
    'query($id: ID!) { node(id: $id) { ... on Booking { recurrence addresses customProperties hosts { email } startAt } } }',
    { id },
  );
  expect(stored.node.recurrence).toMatch(/^FREQ=WEEKLY;BYDAY=[A-Z]{2};COUNT=4$/);
  expect(stored.node.addresses).toEqual(['Testikatu 1, 00100 Helsinki']);
  expect(stored.node.customProperties).toEqual({ 'Gate code': '4321' });
  expect(stored.node.hosts.map((h) => h.email)).toEqual([FIONA]);
  // 10:30 Helsinki is 07:30 or 08:30 UTC depending on the season.
  expect(stored.node.startAt).toMatch(/T0[78]:30:00Z$/);
  // The existing booking's double booking is listed too.
  await page.getByRole('alert').filter({ hasText: 'Double bookings' }).getByText(/Fiona Field is busy: Leak repair — Vallila/).first().waitFor();

  // It reaches fiona's Google calendar, recurring.
  const event = await until('the event at Google', async () => (await googleEvents()).find((e) => e.summary === title));
  expect(event.recurrence?.join(' ')).toMatch(/COUNT=4/);

  // It is in the list (searched by title).
  await page.getByRole('link', { name: '← All bookings' }).click();
  await page.getByLabel('Search').fill(title);
  await page.getByRole('link', { name: title }).waitFor();
  await page.getByLabel('Search').fill('');
  await page.getByRole('link', { name: 'Leak repair — Vallila' }).first().waitFor();
  await screenshot(page, 'bookings-list');
  expect(await a11yViolations(page)).toEqual([]);

  // It is on the calendar (tomorrow: next week's when today is Sunday).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Calendar', exact: true }).click();
  await page.locator('.calsync-calendar[data-state="ready"]').waitFor();
  if (new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Helsinki', weekday: 'short' }).format(new Date()) === 'Sun') {
    await page.getByRole('button', { name: 'Next week' }).click();
  }
  await page.getByRole('link', { name: new RegExp(title) }).first().waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bookings', exact: true }).click();

  // Edit the title: Google follows.
  await page.goto(`${cs.url}/bookings/${id}`);
  await page.getByRole('heading', { name: title }).waitFor();
  const edited = `${title} (edited)`;
  await page.getByLabel(/^Title/).fill(edited);
  await page.getByRole('button', { name: 'Save booking' }).click();
  await page.getByRole('heading', { name: edited }).waitFor();
  await until('the edited title at Google', async () => (await googleEvents()).some((e) => e.summary === edited));
  await screenshot(page, 'booking-edit');
  expect(await a11yViolations(page)).toEqual([]);

  // Cancel it with a reason.
  await page.getByRole('button', { name: 'Cancel booking' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this booking?' });
  await dialog.getByLabel('Reason (optional)').fill('Customer rang to cancel');
  await dialog.getByRole('button', { name: 'Cancel booking' }).click();
  const cancelled = page.getByRole('status').filter({ hasText: 'Customer rang to cancel' });
  await cancelled.waitFor();
  expect(await cancelled.innerText()).toMatch(/Cancelled/);
  const after = await sched<{ node: { cancelledAt: string | null; cancelReason: string } }>(
    'query($id: ID!) { node(id: $id) { ... on Booking { cancelledAt cancelReason } } }',
    { id },
  );
  expect(after.node.cancelledAt).toBeTruthy();
  expect(after.node.cancelReason).toBe('Customer rang to cancel');

  // 3. Two bookings of the list: unpublish, then shift by 30 minutes.
  await page.getByRole('link', { name: '← All bookings' }).click();
  const rows = page.locator('tbody tr');
  await rows.first().waitFor();
  const ids: string[] = [];
  for (const i of [0, 1]) {
    const href = await rows.nth(i).getByRole('link').first().getAttribute('href');
    ids.push(href!.split('/').pop()!);
    await rows.nth(i).getByRole('checkbox').check();
  }
  const before = await sched<{ nodes: { id: string; startAt: string; endAt: string }[] }>(
    'query($ids: [ID!]!) { nodes(ids: $ids) { ... on Booking { id startAt endAt } } }',
    { ids },
  );
  const selection = page.getByRole('region', { name: 'Selected bookings' });
  await selection.getByText('2 selected').waitFor();
  await selection.getByRole('button', { name: 'Unpublish' }).click();
  await page.getByText('2 bookings unpublished').waitFor();
  const unpublished = await sched<{ nodes: { published: boolean }[] }>('query($ids: [ID!]!) { nodes(ids: $ids) { ... on Booking { published } } }', { ids });
  expect(unpublished.nodes.map((n) => n.published)).toEqual([false, false]);

  // The selection was cleared with the refetch: choose the same two again.
  for (const bid of ids) {
    await page.locator('tbody tr').filter({ has: page.locator(`a[href="/bookings/${bid}"]`) }).getByRole('checkbox').check();
  }
  await selection.getByRole('button', { name: 'Mass modify…' }).click();
  const modal = page.getByRole('dialog', { name: 'Mass modify 2 bookings' });
  await modal.getByLabel('Shift by minutes').fill('30');
  await modal.getByRole('button', { name: 'Apply to 2' }).click();
  await page.getByText('2 bookings changed').waitFor();
  const shifted = await sched<{ nodes: { id: string; startAt: string; endAt: string }[] }>(
    'query($ids: [ID!]!) { nodes(ids: $ids) { ... on Booking { id startAt endAt } } }',
    { ids },
  );
  for (const b of before.nodes) {
    const s = shifted.nodes.find((n) => n.id === b.id)!;
    expect(Date.parse(s.startAt) - Date.parse(b.startAt)).toBe(30 * 60_000);
    expect(Date.parse(s.endAt) - Date.parse(b.endAt)).toBe(30 * 60_000);
  }

  expect(errors).toEqual([]);
}

test('an occurrence dragged on the calendar moves alone at Google, and moves back from its booking page', async () => {
  const sched = await api(cs, SCHEDULER);
  const fionaID = (await sched<{ users: { edges: { node: { id: string; email: string } }[] } }>('{ users(first: 50) { edges { node { id email } } } }')).users.edges
    .map((e) => e.node)
    .find((u) => u.email === FIONA)!.id;
  const title = `E2E daily round ${Date.now() % 100000}`;
  // Tomorrow (Helsinki) 10:00–11:00 UTC, daily, five times.
  const start = `${helsinkiDate(1)}T10:00:00Z`;
  const end = `${helsinkiDate(1)}T11:00:00Z`;
  const made = await sched<{ createBooking: { id: string } }>(
    'mutation($h: [ID!], $s: Time!, $e: Time!, $t: String!) { createBooking(input: { title: $t, startAt: $s, endAt: $e, timeZone: "Europe/Helsinki", recurrence: "FREQ=DAILY;COUNT=5", hostIDs: $h }) { id } }',
    { h: [fionaID], s: start, e: end, t: title },
  );
  const id = made.createBooking.id;
  const series = await until('the series at Google', async () => (await googleEvents()).find((e) => e.summary === title) as { id?: string } | undefined);
  const instance = `${FIONA_CAL}/${series.id}_${helsinkiDate(1).replace(/-/g, '')}T100000Z`;

  const { page, errors, context } = await openConsole(browser);
  try {
    await signIn(page, cs, SCHEDULER, '/calendar');
    await page.locator('.calsync-calendar[data-state="ready"]').waitFor();
    if (new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Helsinki', weekday: 'short' }).format(new Date()) === 'Sun') {
      await page.getByRole('button', { name: 'Next week' }).click();
      await page.locator('.calsync-calendar[data-state="ready"]').waitFor();
    }
    // The first occurrence (tomorrow), dragged two hours later.
    const occurrence = page.locator('.fc-timegrid-event').filter({ hasText: title }).first();
    await occurrence.waitFor();
    await occurrence.scrollIntoViewIfNeeded();
    const box = (await occurrence.boundingBox())!;
    const twelve = (await page.locator('td.fc-timegrid-slot-lane[data-time="12:00:00"]').boundingBox())!;
    const fourteen = (await page.locator('td.fc-timegrid-slot-lane[data-time="14:00:00"]').boundingBox())!;
    const dy = fourteen.y - twelve.y;
    const x = box.x + box.width / 2;
    const y = box.y + Math.min(10, box.height / 2);
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(x, y + (dy * i) / 10);
    await page.mouse.up();
    await page.getByText('Occurrence moved').waitFor();

    const moved = await until('the move stored', async () => {
      const r = await sched<{ node: { startAt: string; movedOccurrences: { originalStart: string; startAt: string; endAt: string }[] } }>(
        'query($id: ID!) { node(id: $id) { ... on Booking { startAt movedOccurrences { originalStart startAt endAt } } } }',
        { id },
      );
      return r.node.movedOccurrences.length === 1 ? r.node : undefined;
    });
    expect(moved.startAt).toBe(start); // the series stays
    expect(moved.movedOccurrences[0].originalStart).toBe(start);
    expect(moved.movedOccurrences[0].startAt).toBe(`${helsinkiDate(1)}T12:00:00Z`);
    expect(moved.movedOccurrences[0].endAt).toBe(`${helsinkiDate(1)}T13:00:00Z`);
    await until('the occurrence moved at Google', async () => {
      const ev = await emulator<{ start?: { dateTime?: string } }>(cs, 'GET', instance);
      return ev.start?.dateTime && Date.parse(ev.start.dateTime) === Date.parse(`${helsinkiDate(1)}T12:00:00Z`);
    });

    // The booking page lists it; moving it back puts it back at Google.
    await page.goto(`${cs.url}/bookings/${id}`);
    const section = page.getByRole('region', { name: 'Moved occurrences' });
    await section.getByRole('listitem').first().waitFor();
    expect(await section.getByRole('listitem').count()).toBe(1);
    await screenshot(page, 'booking-moved-occurrences');
    expect(await a11yViolations(page)).toEqual([]);
    await section.getByRole('button', { name: /^Move back/ }).click();
    await section.waitFor({ state: 'detached' });
    await until('the occurrence back at Google', async () => {
      const ev = await emulator<{ start?: { dateTime?: string } }>(cs, 'GET', instance);
      return ev.start?.dateTime && Date.parse(ev.start.dateTime) === Date.parse(start);
    });
    expect(errors).toEqual([]);
  } catch (e) {
    await page.screenshot({ path: 'test-artifacts/moved-occurrence-failure.png', fullPage: true }).catch(() => {});
    throw new Error(`${String(e)}\nconsole errors: ${JSON.stringify(errors)}`);
  } finally {
    await context.close();
  }
});
