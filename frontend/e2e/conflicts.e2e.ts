import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  ADMIN,
  FIONA,
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
let admin: Awaited<ReturnType<typeof api>>;

beforeAll(async () => {
  [cs, browser] = await Promise.all([startCalsync(), launchBrowser()]);
  admin = await api(cs, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await cs?.stop();
});

type GEvent = { id: string; summary: string; status?: string; start: { dateTime: string } };

async function googleEvents(): Promise<GEvent[]> {
  const d = await emulator<{ items: GEvent[] }>(cs, 'GET', `/google/calendars/${encodeURIComponent(FIONA)}/events`);
  return d.items.filter((e) => e.status !== 'cancelled');
}

function tomorrowAt(hourUTC: number): Date {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  return new Date(d.getTime() + 86400_000 + hourUTC * 3600_000);
}

test('two-way sync: a booking moved in Calsync and in Google waits in the conflict queue until kept one way', async () => {
  await admin(
    `mutation { updateProviderConfig(input: {provider: GOOGLE, enabled: true, credentialMode: PLATFORM_APP, syncDirection: TWO_WAY, notifyFieldworkers: false}) { provider syncDirection } }`,
  );
  const fionaApi = await api(cs, FIONA);
  const me = await fionaApi<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }');
  const link = await fionaApi<{ startCalendarLink: { url: string } }>('mutation { startCalendarLink(provider: GOOGLE) { url } }');
  {
    const { page, context } = await openConsole(browser);
    await page.goto(link.startCalendarLink.url);
    expect(await consentAtProvider(page, 'GOOGLE', FIONA)).toMatch(/linked|connected/i);
    await context.close();
  }

  // A booking of Fiona's reaches her Google calendar.
  const start = tomorrowAt(9);
  const title = `Boiler service ${Date.now() % 100000}`;
  const created = await admin<{ createBooking: { id: string } }>(
    'mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }',
    { i: { title, startAt: start.toISOString(), endAt: new Date(start.getTime() + 3600_000).toISOString(), hostIDs: [me.viewer.user.id] } },
  );
  const bookingId = created.createBooking.id;
  const event = await until('the booking reaches Google', async () => (await googleEvents()).find((e) => e.summary === title));

  // Calsync cannot write for a while; meanwhile both sides move it.
  for (const [method, pathPrefix] of [
    ['PATCH', '/google/calendar/v3/'],
    ['PUT', '/google/calendar/v3/'],
    ['POST', '/google/batch/'],
  ]) {
    await emulator(cs, 'POST', '/google/faults', { method, pathPrefix, status: 503 });
  }
  const ours = new Date(start.getTime() + 2 * 3600_000);
  await admin('mutation($id: ID!, $s: Time!, $e: Time!) { rescheduleBooking(id: $id, startAt: $s, endAt: $e) { id } }', {
    id: bookingId,
    s: ours.toISOString(),
    e: new Date(ours.getTime() + 3600_000).toISOString(),
  });
  const theirs = new Date(start.getTime() + 5 * 3600_000);
  await emulator(cs, 'PATCH', `/google/calendars/${encodeURIComponent(FIONA)}/events/${event.id}`, {
    start: { dateTime: theirs.toISOString() },
    end: { dateTime: new Date(theirs.getTime() + 3600_000).toISOString() },
  });

  const { page, context, errors } = await openConsole(browser);
  await signIn(page, cs, FIONA, '/conflicts');
  const card = page.getByRole('article', { name: `Conflict: ${title}` });
  await card.waitFor({ timeout: 45_000 });
  await expect(card.getByRole('heading', { name: 'In Calsync' }).isVisible()).resolves.toBe(true);
  await expect(card.getByRole('heading', { name: 'In Google Calendar' }).isVisible()).resolves.toBe(true);
  await screenshot(page, 'conflicts');
  expect(await a11yViolations(page)).toEqual([]);
  await emulator(cs, 'DELETE', '/google/faults');

  // Neither side is overwritten while it waits.
  await new Promise((r) => setTimeout(r, 1500));
  const b = await admin<{ node: { startAt: string } }>('query($id: ID!) { node(id: $id) { ... on Booking { startAt } } }', { id: bookingId });
  expect(Date.parse(b.node.startAt)).toBe(ours.getTime());
  expect(Date.parse((await googleEvents()).find((e) => e.id === event.id)!.start.dateTime)).toBe(theirs.getTime());

  // Fiona keeps her Google time: the booking moves there, the card settles.
  await card.getByRole('button', { name: 'Keep the Google version' }).click();
  await page.getByText('No conflicts: Calsync and the calendars agree.').waitFor();
  await until('the booking takes the Google time', async () => {
    const d = await admin<{ node: { startAt: string } }>('query($id: ID!) { node(id: $id) { ... on Booking { startAt } } }', { id: bookingId });
    return Date.parse(d.node.startAt) === theirs.getTime();
  });
  await page.locator('label', { hasText: /^Settled$/ }).click();
  await page.getByRole('article', { name: `Conflict: ${title}` }).getByText('Kept the Google Calendar version').waitFor();
  expect(errors).toEqual([]);
  await context.close();
});
