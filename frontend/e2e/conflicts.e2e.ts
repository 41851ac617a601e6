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

let fionaLinked: Promise<string> | undefined;

/** linkFiona turns two-way Google sync on and links Fiona's Google calendar (once); it returns her user id. */
function linkFiona(): Promise<string> {
  fionaLinked ??= (async () => {
    await admin(
      `mutation { updateProviderConfig(input: {provider: GOOGLE, enabled: true, credentialMode: PLATFORM_APP, syncDirection: TWO_WAY, notifyFieldworkers: false}) { provider syncDirection } }`,
    );
    const fionaApi = await api(cs, FIONA);
    const me = await fionaApi<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }');
    const link = await fionaApi<{ startCalendarLink: { url: string } }>('mutation { startCalendarLink(provider: GOOGLE) { url } }');
    const { page, context } = await openConsole(browser);
    await page.goto(link.startCalendarLink.url);
    expect(await consentAtProvider(page, 'GOOGLE', FIONA)).toMatch(/linked|connected/i);
    await context.close();
    return me.viewer.user.id;
  })();
  return fionaLinked;
}

/** blockGoogleWrites makes the Google emulator refuse Calsync's writes until its faults are cleared. */
async function blockGoogleWrites() {
  for (const [method, pathPrefix] of [
    ['PATCH', '/google/calendar/v3/'],
    ['PUT', '/google/calendar/v3/'],
    ['POST', '/google/batch/'],
  ]) {
    await emulator(cs, 'POST', '/google/faults', { method, pathPrefix, status: 503 });
  }
}

test('two-way sync: a booking moved in Calsync and in Google waits in the conflict queue until kept one way', async () => {
  const fionaId = await linkFiona();

  // A booking of Fiona's reaches her Google calendar.
  const start = tomorrowAt(9);
  const title = `Boiler service ${Date.now() % 100000}`;
  const created = await admin<{ createBooking: { id: string } }>(
    'mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }',
    { i: { title, startAt: start.toISOString(), endAt: new Date(start.getTime() + 3600_000).toISOString(), hostIDs: [fionaId] } },
  );
  const bookingId = created.createBooking.id;
  const event = await until('the booking reaches Google', async () => (await googleEvents()).find((e) => e.summary === title));

  // Calsync cannot write for a while; meanwhile both sides move it.
  await blockGoogleWrites();
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

test('two-way sync: one occurrence of a series moved on both sides is a conflict over that occurrence alone', async () => {
  const fionaId = await linkFiona();
  const start = tomorrowAt(7);
  const title = `Daily check ${Date.now() % 100000}`;
  const created = await admin<{ createBooking: { id: string } }>(
    'mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }',
    {
      i: {
        title,
        startAt: start.toISOString(),
        endAt: new Date(start.getTime() + 1800_000).toISOString(),
        recurrence: 'FREQ=DAILY;COUNT=4',
        hostIDs: [fionaId],
      },
    },
  );
  const bookingId = created.createBooking.id;
  const series = await until('the series reaches Google', async () => (await googleEvents()).find((e) => e.summary === title));
  // The second occurrence, by Google's instance id.
  const original = new Date(start.getTime() + 86400_000);
  const instanceId = `${series.id}_${original.toISOString().replace(/[-:]/g, '').replace('.000', '')}`;

  await blockGoogleWrites();
  const ours = new Date(original.getTime() + 2 * 3600_000);
  await admin('mutation($id: ID!, $o: Time!, $s: Time!, $e: Time!) { moveOccurrence(bookingId: $id, originalStart: $o, startAt: $s, endAt: $e) { id } }', {
    id: bookingId,
    o: original.toISOString(),
    s: ours.toISOString(),
    e: new Date(ours.getTime() + 1800_000).toISOString(),
  });
  const theirs = new Date(original.getTime() + 4 * 3600_000);
  await emulator(cs, 'PATCH', `/google/calendars/${encodeURIComponent(FIONA)}/events/${instanceId}`, {
    start: { dateTime: theirs.toISOString() },
    end: { dateTime: new Date(theirs.getTime() + 1800_000).toISOString() },
  });

  const { page, context, errors } = await openConsole(browser);
  await signIn(page, cs, ADMIN, '/conflicts');
  const card = page.getByRole('article', { name: `Conflict: ${title}` });
  await card.waitFor({ timeout: 45_000 });
  await card.getByText(/^The occurrence of .* was changed in Calsync and in Fiona .*’s Google Calendar/).waitFor();
  await screenshot(page, 'conflict-occurrence');
  expect(await a11yViolations(page)).toEqual([]);
  await emulator(cs, 'DELETE', '/google/faults');

  // Kept in Calsync: Google's occurrence goes where the booking has it; the others never moved.
  await card.getByRole('button', { name: 'Keep Calsync’s version' }).click();
  await until('Google takes Calsync’s time for the occurrence', async () => {
    const d = await emulator<{ start: { dateTime: string } }>(
      cs,
      'GET',
      `/google/calendars/${encodeURIComponent(FIONA)}/events/${instanceId}`,
    ).catch(() => undefined);
    return d && Date.parse(d.start.dateTime) === ours.getTime();
  });
  const b = await admin<{ node: { startAt: string; movedOccurrences: { originalStart: string; startAt: string }[] } }>(
    'query($id: ID!) { node(id: $id) { ... on Booking { startAt movedOccurrences { originalStart startAt } } } }',
    { id: bookingId },
  );
  expect(Date.parse(b.node.startAt)).toBe(start.getTime());
  expect(b.node.movedOccurrences.map((m) => [Date.parse(m.originalStart), Date.parse(m.startAt)])).toEqual([[original.getTime(), ours.getTime()]]);
  expect(errors).toEqual([]);
  await context.close();
});
