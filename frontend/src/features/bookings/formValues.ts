import type { CreateBookingInput, UpdateBookingInput } from '@/gql/graphql';
import { buildRule, parseRule, type RecurrenceChoice } from './recurrence';
import { utcToZoned, zonedToUtc, isValidTimeZone } from './zonedTime';

export interface PropertyRow {
  key: number;
  name: string;
  value: string;
}

/** What the booking form edits: wall-clock times in timeZone, text as typed. */
export interface BookingFormValues {
  title: string;
  start: string;
  end: string;
  timeZone: string;
  hostIds: string[];
  statusId: string | null;
  typeId: string | null;
  recurrence: RecurrenceChoice;
  customerName: string;
  customerBusinessName: string;
  customerEmail: string;
  customerPhone: string;
  addresses: string;
  suburb: string;
  serviceName: string;
  serviceDescription: string;
  amount: string;
  currency: string;
  properties: PropertyRow[];
  sessionLink: string;
  published: boolean;
}

/** The stored booking the form starts from (BookingFormBooking's shape). */
export interface StoredBooking {
  id: string;
  title: string;
  startAt: string;
  endAt: string;
  timeZone: string;
  recurrence?: string | null;
  published: boolean;
  statusID?: string | null;
  typeID?: string | null;
  hosts?: { id: string; name: string }[] | null;
  customerName?: string | null;
  customerBusinessName?: string | null;
  customerEmail?: string | null;
  customerPhone?: string | null;
  addresses?: string[] | null;
  suburb?: string | null;
  serviceName?: string | null;
  serviceDescription?: string | null;
  amount?: string | null;
  currency?: string | null;
  customProperties?: Record<string, string> | null;
  sessionLink?: string | null;
}

let nextKey = 1;
export const propertyRow = (name = '', value = ''): PropertyRow => ({ key: nextKey++, name, value });

export function newBookingValues(timeZone: string, start: string, end: string, typeId: string | null): BookingFormValues {
  return {
    title: '',
    start,
    end,
    timeZone,
    hostIds: [],
    statusId: null,
    typeId,
    recurrence: parseRule(null, start),
    customerName: '',
    customerBusinessName: '',
    customerEmail: '',
    customerPhone: '',
    addresses: '',
    suburb: '',
    serviceName: '',
    serviceDescription: '',
    amount: '',
    currency: '',
    properties: [],
    sessionLink: '',
    published: true,
  };
}

export function valuesFromBooking(b: StoredBooking): BookingFormValues {
  const start = utcToZoned(b.startAt, b.timeZone);
  return {
    title: b.title,
    start,
    end: utcToZoned(b.endAt, b.timeZone),
    timeZone: b.timeZone,
    hostIds: (b.hosts ?? []).map((h) => h.id),
    statusId: b.statusID ?? null,
    typeId: b.typeID ?? null,
    recurrence: parseRule(b.recurrence, start),
    customerName: b.customerName ?? '',
    customerBusinessName: b.customerBusinessName ?? '',
    customerEmail: b.customerEmail ?? '',
    customerPhone: b.customerPhone ?? '',
    addresses: (b.addresses ?? []).join('\n'),
    suburb: b.suburb ?? '',
    serviceName: b.serviceName ?? '',
    serviceDescription: b.serviceDescription ?? '',
    amount: b.amount ?? '',
    currency: b.currency ?? '',
    properties: Object.entries(b.customProperties ?? {}).map(([n, v]) => propertyRow(n, v)),
    sessionLink: b.sessionLink ?? '',
    published: b.published,
  };
}

export type FieldErrors = Partial<Record<string, string>>;

/** validate: what the form checks before asking the server (which checks everything again). */
export function validate(v: BookingFormValues): FieldErrors {
  const e: FieldErrors = {};
  if (!v.title.trim()) e.title = 'Enter a title';
  if (!isValidTimeZone(v.timeZone)) e.timeZone = 'Choose a time zone';
  const s = zonedToUtc(v.start, v.timeZone);
  const en = zonedToUtc(v.end, v.timeZone);
  if (!s) e.startAt = 'Enter the start date and time';
  if (!en) e.endAt = 'Enter the end date and time';
  if (s && en && Date.parse(en) <= Date.parse(s)) e.endAt = 'The end must be after the start';
  if (v.recurrence.frequency !== 'NONE' && v.recurrence.frequency !== 'CUSTOM') {
    if (v.recurrence.ending === 'COUNT' && !(v.recurrence.count >= 1)) e.recurrence = 'Repeat at least once';
    if (v.recurrence.ending === 'UNTIL' && !/^\d{4}-\d{2}-\d{2}$/.test(v.recurrence.until)) e.recurrence = 'Choose the last date';
  }
  const names = v.properties.map((p) => p.name.trim()).filter(Boolean);
  if (v.properties.some((p) => !p.name.trim() && p.value.trim())) e.customProperties = 'Every property needs a name';
  else if (new Set(names).size !== names.length) e.customProperties = 'Property names must differ';
  return e;
}

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
const opt = (s: string) => (s.trim() ? s.trim() : undefined);

function properties(v: BookingFormValues): Record<string, string> {
  return Object.fromEntries(v.properties.filter((p) => p.name.trim()).map((p) => [p.name.trim(), p.value]));
}

export function toCreateInput(v: BookingFormValues): CreateBookingInput {
  const props = properties(v);
  const addresses = lines(v.addresses);
  return {
    title: v.title.trim(),
    startAt: zonedToUtc(v.start, v.timeZone)!,
    endAt: zonedToUtc(v.end, v.timeZone)!,
    timeZone: v.timeZone,
    recurrence: buildRule(v.recurrence, v.start) ?? undefined,
    published: v.published,
    hostIDs: v.hostIds.length ? v.hostIds : undefined,
    statusID: v.statusId ?? undefined,
    typeID: v.typeId ?? undefined,
    customerName: opt(v.customerName),
    customerBusinessName: opt(v.customerBusinessName),
    customerEmail: opt(v.customerEmail),
    customerPhone: opt(v.customerPhone),
    addresses: addresses.length ? addresses : undefined,
    suburb: opt(v.suburb),
    serviceName: opt(v.serviceName),
    serviceDescription: opt(v.serviceDescription),
    amount: opt(v.amount),
    currency: opt(v.currency)?.toUpperCase(),
    customProperties: Object.keys(props).length ? props : undefined,
    sessionLink: opt(v.sessionLink),
  };
}

type TextField =
  | 'customerName'
  | 'customerBusinessName'
  | 'customerEmail'
  | 'customerPhone'
  | 'suburb'
  | 'serviceName'
  | 'serviceDescription'
  | 'amount'
  | 'currency'
  | 'sessionLink';
const textFields: TextField[] = [
  'customerName',
  'customerBusinessName',
  'customerEmail',
  'customerPhone',
  'suburb',
  'serviceName',
  'serviceDescription',
  'amount',
  'currency',
  'sessionLink',
];
const clearOf = (f: TextField) => `clear${f[0].toUpperCase()}${f.slice(1)}` as keyof UpdateBookingInput;

export interface Changes {
  /** Only the time (start, end, zone) changed: rescheduleBooking. */
  onlyTime: boolean;
  /** Nothing changed. */
  none: boolean;
  input: UpdateBookingInput;
}

/** toUpdateInput: the changes from the stored booking, as UpdateBookingInput. */
export function toUpdateInput(original: BookingFormValues, v: BookingFormValues): Changes {
  const input: Record<string, unknown> = {};
  let timeChanged = false;
  if (v.title.trim() !== original.title.trim()) input.title = v.title.trim();
  const startAt = zonedToUtc(v.start, v.timeZone)!;
  const endAt = zonedToUtc(v.end, v.timeZone)!;
  if (startAt !== zonedToUtc(original.start, original.timeZone) || endAt !== zonedToUtc(original.end, original.timeZone) || v.timeZone !== original.timeZone) {
    timeChanged = true;
  }
  const rule = buildRule(v.recurrence, v.start);
  const oldRule = buildRule(original.recurrence, original.start);
  if (rule !== oldRule) {
    if (rule) input.recurrence = rule;
    else input.clearRecurrence = true;
  }
  if (v.published !== original.published) input.published = v.published;
  if (v.statusId !== original.statusId) {
    if (v.statusId) input.statusID = v.statusId;
    else input.clearStatus = true;
  }
  if (v.typeId !== original.typeId) {
    if (v.typeId) input.typeID = v.typeId;
    else input.clearType = true;
  }
  const add = v.hostIds.filter((id) => !original.hostIds.includes(id));
  const remove = original.hostIds.filter((id) => !v.hostIds.includes(id));
  if (add.length) input.addHostIDs = add;
  if (remove.length) input.removeHostIDs = remove;
  for (const f of textFields) {
    const now = f === 'currency' ? v[f].trim().toUpperCase() : v[f].trim();
    if (now !== original[f].trim()) {
      if (now) input[f] = now;
      else input[clearOf(f)] = true;
    }
  }
  const addresses = lines(v.addresses);
  if (addresses.join('\n') !== lines(original.addresses).join('\n')) {
    if (addresses.length) input.addresses = addresses;
    else input.clearAddresses = true;
  }
  const props = properties(v);
  if (JSON.stringify(props) !== JSON.stringify(properties(original))) {
    if (Object.keys(props).length) input.customProperties = props;
    else input.clearCustomProperties = true;
  }
  const otherChanges = Object.keys(input).length > 0;
  if (timeChanged) {
    input.startAt = startAt;
    input.endAt = endAt;
    input.timeZone = v.timeZone;
  }
  return { onlyTime: timeChanged && !otherChanges, none: !timeChanged && !otherChanges, input: input as UpdateBookingInput };
}
