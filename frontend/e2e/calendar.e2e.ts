import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  ADMIN,
  FIONA,
  PEKKA,
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
const artifacts = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts');

beforeAll(async () => {
  [cs, browser] = await Promise.all([startCalsync(), launchBrowser()]);
  admin = await api(cs, ADMIN);
});
afterAll(async () => {
  await browser?.close();
  await cs?.stop();
});

interface Worker {
  id: string;
  name: string;
  email: string;
}

async function fieldworkers(): Promise<Worker[]> {
  const d = await admin<{ fieldworkers: { edges: { node: Worker }[] } }>(
    '{ fieldworkers(active: true, first: 500) { edges { node { id name email } } } }',
  );
  return d.fieldworkers.edges.map((e) => e.node);
}

/** The day in Helsinki (the demo zone) at hour:minute UTC: within today in the calendar's week. */
function todayAtUTC(hour: number, minute = 0): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(new Date());
  return new Date(`${day}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`).toISOString();
}

async function createBooking(title: string, start: string, end: string, hostId: string): Promise<string> {
  const d = await admin<{ createBooking: { id: string } }>(
    'mutation($i: CreateBookingInput!) { createBooking(input: $i) { id } }',
    { i: { title, startAt: start, endAt: end, hostIDs: [hostId] } },
  );
  return d.createBooking.id;
}

function hexToRgb(hex: string): string {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.replace(/./g, (c) => c + c) : h;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

/** openCalendar signs in and opens the calendar. */
async function openCalendar(page: Page, email = ADMIN) {
  await signIn(page, cs, email, '/calendar');
  await calendarReady(page);
}

async function calendarReady(page: Page) {
  await page.locator('.calsync-calendar[data-state="ready"]').waitFor();
}

test('external events in the provider colour with their link, bookings open, overlaps flagged, live updates, invitations', async () => {
  const workers = await fieldworkers();
  const fiona = workers.find((w) => w.email === FIONA)!;
  const pekka = workers.find((w) => w.email === PEKKA)!;

  // Google on with the platform app; nobody emailed.
  await admin(
    `mutation { updateProviderConfig(input: {provider: GOOGLE, enabled: true, credentialMode: PLATFORM_APP, notifyFieldworkers: false}) { provider enabled } }`,
  );

  // Fiona links her Google calendar (the consent pages in the browser).
  const fionaApi = await api(cs, FIONA);
  const link = await fionaApi<{ startCalendarLink: { url: string } }>('mutation { startCalendarLink(provider: GOOGLE) { url } }');
  {
    const { page, context } = await openConsole(browser);
    await page.goto(link.startCalendarLink.url);
    const title = await consentAtProvider(page, 'GOOGLE', FIONA);
    expect(title).toMatch(/linked|connected/i);
    await context.close();
  }
  await until('fiona linked', async () => {
    const d = await admin<{ node: { calendarSync: { action: string; account: { status: string } | null } } }>(
      'query($id: ID!) { node(id: $id) { ... on User { calendarSync(provider: GOOGLE) { action account { status } } } } }',
      { id: fiona.id },
    );
    return d.node.calendarSync.account?.status === 'ACTIVE';
  });

  // An event in her Google calendar, imported by Calsync.
  const gStart = todayAtUTC(7);
  const gEnd = todayAtUTC(8);
  await emulator(cs, 'POST', `/google/calendars/${encodeURIComponent(FIONA)}/events`, {
    summary: 'Dentist appointment',
    start: { dateTime: gStart },
    end: { dateTime: gEnd },
  });
  const from = new Date(Date.parse(gStart) - 8 * 86400_000).toISOString();
  const to = new Date(Date.parse(gStart) + 8 * 86400_000).toISOString();
  type View = { calendarView: { legend: { google: string; booking: string }; entries: { kind: string; title: string; webLink: string | null; color: string }[] } };
  const imported = await until(
    'the Google event imported',
    async () => {
      const d = await admin<View>(
        'query($f: Time!, $t: Time!, $ids: [ID!]) { calendarView(from: $f, to: $t, fieldworkerIds: $ids) { legend { google booking } entries { kind title webLink color } } }',
        { f: from, t: to, ids: [fiona.id] },
      );
      const e = d.calendarView.entries.find((x) => x.kind === 'EXTERNAL' && x.title === 'Dentist appointment');
      return e ? { entry: e, legend: d.calendarView.legend } : null;
    },
    60_000,
  );
  expect(imported.entry.color).toBe(imported.legend.google);
  expect(imported.entry.webLink).toMatch(/^https?:\/\//);

  // Two bookings of Fiona's that overlap each other.
  const overlapA = await createBooking('Overlap A', todayAtUTC(15), todayAtUTC(16), fiona.id);
  await createBooking('Overlap B', todayAtUTC(15, 30), todayAtUTC(16, 30), fiona.id);

  const { page, errors, context } = await openConsole(browser);
  await openCalendar(page);

  // The external event: pea green (the legend's Google colour), a link to the provider in a new tab.
  const external = page.getByRole('link', { name: /Dentist appointment/ });
  await external.waitFor();
  expect(await external.getAttribute('href')).toBe(imported.entry.webLink);
  expect(await external.getAttribute('target')).toBe('_blank');
  expect(await external.getAttribute('rel')).toBe('noopener noreferrer');
  const bg = await external.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(bg).toBe(hexToRgb(imported.legend.google));
  const legend = page.getByRole('list', { name: 'Legend' });
  await legend.getByText('Google Calendar event').waitFor();
  expect(await legend.getByText('Google Calendar event').evaluate((el) => el.parentElement!.getAttribute('data-color'))).toBe(imported.legend.google);
  // External events are keyboard-reachable links.
  await external.focus();
  expect(await external.evaluate((el) => document.activeElement === el)).toBe(true);

  // The overlapping pair is flagged, and counted above the calendar.
  const flagged = page.getByRole('link', { name: /Overlap A.*overlaps another booking/ });
  await flagged.waitFor();
  await page.getByRole('link', { name: /Overlap B.*overlaps another booking/ }).waitFor();
  expect(await page.getByText(/^\d+ double bookings? this week$/).innerText()).toMatch(/^[1-9]\d* double booking/);

  // A booking opens its page.
  // (by keyboard: the pair overlaps on screen too)
  await flagged.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/bookings/${overlapA}$`));
  await page.goBack();
  await calendarReady(page);

  // Live update: a booking created elsewhere appears without a reload.
  await page.getByRole('link', { name: /Overlap A/ }).waitFor();
  await createBooking('Live update booking', todayAtUTC(17), todayAtUTC(18), pekka.id);
  await page.getByRole('link', { name: /Live update booking/ }).waitFor({ timeout: 10_000 });

  // Invitations: Fiona alone (linked) gets none, Pekka alone (not linked) gets one.
  const filter = page.getByRole('combobox', { name: 'Fieldworkers' });
  const pick = async (name: string) => {
    await filter.click();
    await filter.fill(name);
    await page.getByRole('option', { name }).click();
    await page.keyboard.press('Escape');
  };
  await pick(fiona.name);
  await calendarReady(page);
  await page.getByRole('link', { name: /Dentist appointment/ }).waitFor();
  await page.waitForTimeout(800); // the invitation query had time to answer
  // Linked to Google: no Google invitation (Outlook, on in the demo organization and not linked, may be offered).
  expect(await page.getByRole('button', { name: /^Send invitation to connect/ }).allInnerTexts()).not.toContainEqual(
    expect.stringMatching(/Google Calendar$/),
  );

  // Backspace in the empty search removes the last choice; then Pekka.
  await filter.focus();
  await page.keyboard.press('Backspace');
  await pick(pekka.name);
  const invite = page.getByRole('button', { name: `Send invitation to connect ${pekka.name}'s Google Calendar` });
  await invite.waitFor();
  expect(await a11yViolations(page)).toEqual([]);
  await invite.click();
  await page.getByText(`An invitation to connect a Google Calendar was sent to ${PEKKA}.`).waitFor();
  const outbox = await admin<{ outbox: { edges: { node: { to: string; subject: string } }[] } }>(
    '{ outbox(first: 100) { edges { node { to subject } } } }',
  );
  expect(outbox.outbox.edges.some((e) => e.node.to.includes(PEKKA))).toBe(true);

  expect(errors).toEqual([]);
  await context.close();
});

test('screenshots of the week, month and day views', async () => {
  const { page, errors, context } = await openConsole(browser);
  await openCalendar(page);
  await page.getByRole('link', { name: /Overlap A/ }).waitFor();
  await screenshot(page, 'calendar-week');
  expect(await a11yViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'Month' }).click();
  await page.getByRole('button', { name: 'Month', pressed: true }).waitFor();
  await calendarReady(page);
  await screenshot(page, 'calendar-month');
  expect(await a11yViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'Day', exact: true }).click();
  await page.getByRole('button', { name: 'Day', pressed: true }).waitFor();
  await calendarReady(page);
  await screenshot(page, 'calendar-day');
  expect(await a11yViolations(page)).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});

test('a week of 100 fieldworkers × 20 bookings: every entry is shown (render time measured)', async () => {
  // 100 fieldworkers. createUser must be alone in its mutation (the server
  // refuses aliases for it), so ten requests at a time.
  const created: string[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const ids = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const num = String(batch * 10 + i).padStart(3, '0');
        const d = await admin<{ createUser: { id: string } }>(
          'mutation($i: CreateUserWithPasswordInput!) { createUser(input: $i) { id } }',
          { i: { user: { email: `perf${num}@demo.calsync.test`, name: `Perf Worker ${num}`, role: 'FIELDWORKER', timeZone: 'Europe/Helsinki' } } },
        );
        return d.createUser.id;
      }),
    );
    created.push(...ids);
  }
  expect(created).toHaveLength(100);

  // The week after next (Monday, Helsinki), 20 bookings each: Monday–Friday, four a day.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki' }).format(new Date());
  const base = new Date(`${today}T00:00:00Z`);
  const dow = (base.getUTCDay() + 6) % 7; // 0 = Monday
  const monday = new Date(base.getTime() + (14 - dow) * 86400_000);
  const inputs: string[] = [];
  created.forEach((id, w) => {
    for (let day = 0; day < 5; day++) {
      for (let slot = 0; slot < 4; slot++) {
        const start = new Date(monday.getTime() + day * 86400_000 + (5 + slot * 2) * 3600_000);
        const end = new Date(start.getTime() + 105 * 60_000);
        inputs.push(
          `createBooking(input: {title: "Job ${w}-${day}-${slot}", startAt: "${start.toISOString()}", endAt: "${end.toISOString()}", hostIDs: ["${id}"]}) { id }`,
        );
      }
    }
  });
  expect(inputs).toHaveLength(2000);
  const batches: string[][] = [];
  for (let i = 0; i < inputs.length; i += 50) batches.push(inputs.slice(i, i + 50));
  const t0 = Date.now();
  for (let i = 0; i < batches.length; i += 4) {
    await Promise.all(batches.slice(i, i + 4).map((b) => admin(`mutation { ${b.map((f, j) => `b${j}: ${f}`).join('\n')} }`)));
  }
  const setupMs = Date.now() - t0;

  // What the calendar should show for that week (every active fieldworker).
  const weekFrom = new Date(monday.getTime() - 3 * 3600_000).toISOString();
  const weekTo = new Date(monday.getTime() + 7 * 86400_000).toISOString();
  const expected = await admin<{ calendarView: { entries: { id: string }[] } }>(
    'query($f: Time!, $t: Time!) { calendarView(from: $f, to: $t) { entries { id } } }',
    { f: weekFrom, t: weekTo },
  );
  const expectedCount = expected.calendarView.entries.length;
  expect(expectedCount).toBeGreaterThanOrEqual(2000);

  const { page, errors, context } = await openConsole(browser);
  await openCalendar(page);
  await page.getByRole('button', { name: 'Next week' }).click();
  await page.waitForFunction(() => !document.querySelector('.calsync-calendar[aria-busy="true"]'));
  await calendarReady(page);
  await page.waitForTimeout(500);

  // Time the second "next week" (to the busy week) inside the page: until
  // every event of the week is on the calendar (as an event, or counted in
  // a "+N more" link of a busy time).
  const m = await page.evaluate(async (want: number) => {
    const next = document.querySelector<HTMLButtonElement>('.fc-next-button')!;
    const shown = () => {
      let n = document.querySelectorAll('.fc-event').length;
      document.querySelectorAll('.fc-more-link, .fc-timegrid-more-link').forEach((l) => {
        n += Number((l.textContent ?? '').replace(/[^0-9]/g, '')) || 0;
      });
      return n;
    };
    performance.clearResourceTimings();
    const t0 = performance.now();
    next.click();
    const done = await new Promise<number>((ok, fail) => {
      const deadline = t0 + 30_000;
      const tick = () => {
        if (shown() >= want) ok(performance.now());
        else if (performance.now() > deadline) fail(new Error(`only ${shown()} of ${want} events`));
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const gql = performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/graphql') && e.startTime >= t0) as PerformanceResourceTiming[];
    const response = gql.reduce((a, b) => (b.encodedBodySize > a.encodedBodySize ? b : a), gql[0]);
    // Let the app's own measure (data in hand → painted) land.
    await new Promise((r) => setTimeout(r, 300));
    const wrapper = document.querySelector<HTMLElement>('.calsync-calendar')!;
    return {
      eventsShown: shown(),
      eventElements: document.querySelectorAll('.fc-event').length,
      moreLinks: document.querySelectorAll('.fc-more-link, .fc-timegrid-more-link').length,
      totalMs: Math.round(done - t0),
      queryMs: response ? Math.round(response.responseEnd - t0) : null,
      responseBytes: response?.encodedBodySize ?? null,
      dataArrivalToRenderedMs: response ? Math.round(done - response.responseEnd) : null,
      appRenderMs: Number(wrapper.dataset.renderMs),
    };
  }, expectedCount);
  const figures = { fieldworkers: 100, bookingsCreated: 2000, expectedEntries: expectedCount, setupMs, ...m };
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'calendar-render.json'), JSON.stringify(figures, null, 2) + '\n');
  console.log('calendar render figures', figures);
  expect(m.eventsShown).toBeGreaterThanOrEqual(expectedCount);
  expect(m.dataArrivalToRenderedMs).not.toBeNull();
  // Speed is a benchmark's verdict, not a test's (a busy CI machine is no
  // measure): `make bench-console` runs this test alone and holds it to the
  // target; `make test` checks that every entry is accounted for.
  if (process.env.CALSYNC_BENCH) expect(m.dataArrivalToRenderedMs!).toBeLessThan(1000);
  expect(errors).toEqual([]);
  await context.close();
}, 300_000);
