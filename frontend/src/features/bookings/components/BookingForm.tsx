import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useMutation, type CombinedError } from 'urql';
import { Button, Fieldset, Group, MultiSelect, Select, SimpleGrid, Stack, Switch, TextInput, Textarea } from '@mantine/core';
import { graphql, getFragmentData, type FragmentType } from '@/gql';
import { ErrorAlert } from '@/components';
import { BookingsCreateMutation, BookingsRescheduleMutation, BookingsUpdateMutation } from '../api';
import {
  newBookingValues,
  toCreateInput,
  toUpdateInput,
  validate,
  valuesFromBooking,
  type BookingFormValues,
  type FieldErrors,
} from '../formValues';
import { timeZoneNames, zonedToUtc } from '../zonedTime';
import { RecurrenceField } from './RecurrenceField';
import { PropertiesField } from './PropertiesField';
import { HostConflicts } from './Conflicts';
import { notifications } from '@mantine/notifications';

export const BookingFormFragment = graphql(`
  fragment BookingFormBooking on Booking {
    id
    updatedAt
    title
    startAt
    endAt
    timeZone
    recurrence
    published
    statusID
    typeID
    hosts {
      id
      name
    }
    customerName
    customerBusinessName
    customerEmail
    customerPhone
    addresses
    suburb
    serviceName
    serviceDescription
    amount
    currency
    customProperties
    sessionLink
  }
`);

export interface Option {
  id: string;
  name: string;
}

/** serverField: the input field a BAD_USER_INPUT error names (extensions.field). */
function serverField(error: CombinedError | null): string | undefined {
  const f = error?.graphQLErrors?.[0]?.extensions?.field;
  return typeof f === 'string' ? f : undefined;
}

// BookingForm creates a booking or edits one; the server checks everything
// again and its message is shown at the top (and by the field it names).
export function BookingForm({
  booking,
  statuses,
  types,
  fieldworkers,
  defaultTimeZone,
  defaultStart,
}: {
  booking: FragmentType<typeof BookingFormFragment> | null;
  statuses: (Option & { color?: string })[];
  types: (Option & { default?: boolean })[];
  /** active fieldworkers to choose hosts from; null when the viewer may not list them */
  fieldworkers: Option[] | null;
  defaultTimeZone: string;
  /** a new booking's start and end ("YYYY-MM-DDTHH:mm" in defaultTimeZone) */
  defaultStart?: { start: string; end: string };
}) {
  const stored = getFragmentData(BookingFormFragment, booking);
  const original = useMemo(
    () =>
      stored
        ? valuesFromBooking(stored)
        : newBookingValues(defaultTimeZone, defaultStart?.start ?? '', defaultStart?.end ?? '', types.find((t) => t.default)?.id ?? null),
    // The form starts once per stored version (the page keys it by updatedAt).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [stored?.id],
  );
  const [values, setValues] = useState<BookingFormValues>(original);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [serverError, setServerError] = useState<CombinedError | null>(null);
  const [, create] = useMutation(BookingsCreateMutation);
  const [, update] = useMutation(BookingsUpdateMutation);
  const [, reschedule] = useMutation(BookingsRescheduleMutation);
  const [saving, setSaving] = useState(false);
  const navigate = useNavigate();

  const set = <K extends keyof BookingFormValues>(k: K, v: BookingFormValues[K]) => setValues((s) => ({ ...s, [k]: v }));
  const field = serverField(serverError);
  const err = (name: string) => errors[name] ?? (field === name ? serverError?.graphQLErrors[0]?.message : undefined);

  const hostOptions = useMemo(() => {
    const all = new Map<string, string>();
    for (const f of fieldworkers ?? []) all.set(f.id, f.name);
    for (const h of stored?.hosts ?? []) if (!all.has(h.id)) all.set(h.id, h.name);
    return [...all].map(([value, label]) => ({ value, label }));
  }, [fieldworkers, stored?.hosts]);
  const zones = useMemo(() => {
    const z = timeZoneNames();
    return z.includes(values.timeZone) || !values.timeZone ? z : [values.timeZone, ...z];
  }, [values.timeZone]);
  const chosenHosts = values.hostIds.map((id) => ({ id, name: hostOptions.find((o) => o.value === id)?.label ?? id }));
  const from = zonedToUtc(values.start, values.timeZone);
  const to = zonedToUtc(values.end, values.timeZone);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = validate(values);
    setErrors(found);
    setServerError(null);
    if (Object.keys(found).length) return;
    setSaving(true);
    try {
      if (!stored) {
        const r = await create({ input: toCreateInput(values) });
        if (r.error || !r.data) {
          setServerError(r.error ?? null);
          return;
        }
        notifications.show({ color: 'green', message: `Booking “${values.title.trim()}” created` });
        navigate(`/bookings/${r.data.createBooking.id}`);
        return;
      }
      const changes = toUpdateInput(original, values);
      if (changes.none) {
        notifications.show({ message: 'Nothing to save: no changes' });
        return;
      }
      const r = changes.onlyTime
        ? await reschedule({ id: stored.id, startAt: changes.input.startAt!, endAt: changes.input.endAt!, timeZone: changes.input.timeZone })
        : await update({ id: stored.id, input: changes.input });
      if (r.error) {
        setServerError(r.error);
        return;
      }
      notifications.show({ color: 'green', message: changes.onlyTime ? 'Booking rescheduled' : 'Booking saved' });
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label={stored ? 'Edit booking' : 'New booking'}>
      <Stack gap="md">
        {serverError && <ErrorAlert error={serverError} title="The booking was not saved" />}
        <TextInput label="Title" required value={values.title} onChange={(e) => set('title', e.currentTarget.value)} error={err('title')} />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label="Start"
            type="datetime-local"
            required
            value={values.start}
            onChange={(e) => set('start', e.currentTarget.value)}
            error={err('startAt')}
          />
          <TextInput
            label="End"
            type="datetime-local"
            required
            value={values.end}
            onChange={(e) => set('end', e.currentTarget.value)}
            error={err('endAt')}
          />
          <Select
            label="Time zone"
            data={zones}
            searchable
            limit={60}
            allowDeselect={false}
            value={values.timeZone}
            onChange={(z) => z && set('timeZone', z)}
            error={err('timeZone')}
          />
        </SimpleGrid>
        <MultiSelect
          label="Hosts"
          placeholder={values.hostIds.length ? undefined : 'Choose fieldworkers'}
          data={hostOptions}
          value={values.hostIds}
          onChange={(ids) => set('hostIds', ids)}
          searchable
          disabled={fieldworkers === null}
          description={fieldworkers === null ? 'Only administrators and schedulers choose hosts.' : undefined}
          error={err('hostIDs')}
        />
        <HostConflicts hosts={chosenHosts} from={from} to={to} excludeBookingId={stored?.id} timeZone={values.timeZone} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Status"
            placeholder="No status"
            data={statuses.map((s) => ({ value: s.id, label: s.name }))}
            value={values.statusId}
            onChange={(v) => set('statusId', v)}
            clearable
            error={err('statusID')}
          />
          <Select
            label="Type"
            placeholder="No type"
            data={types.map((t) => ({ value: t.id, label: t.name }))}
            value={values.typeId}
            onChange={(v) => set('typeId', v)}
            clearable
            error={err('typeID')}
          />
        </SimpleGrid>
        <RecurrenceField
          value={values.recurrence}
          onChange={(r) => set('recurrence', r)}
          start={values.start}
          originalCustom={original.recurrence.frequency === 'CUSTOM' ? original.recurrence.custom : undefined}
          error={err('recurrence')}
        />
        <Fieldset legend="Customer">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Customer name" value={values.customerName} onChange={(e) => set('customerName', e.currentTarget.value)} error={err('customerName')} />
            <TextInput
              label="Business name"
              value={values.customerBusinessName}
              onChange={(e) => set('customerBusinessName', e.currentTarget.value)}
              error={err('customerBusinessName')}
            />
            <TextInput
              label="Customer email"
              type="email"
              value={values.customerEmail}
              onChange={(e) => set('customerEmail', e.currentTarget.value)}
              error={err('customerEmail')}
            />
            <TextInput
              label="Customer phone"
              type="tel"
              value={values.customerPhone}
              onChange={(e) => set('customerPhone', e.currentTarget.value)}
              error={err('customerPhone')}
            />
          </SimpleGrid>
          <Textarea
            mt="sm"
            label="Addresses"
            description="One address per line"
            autosize
            minRows={2}
            value={values.addresses}
            onChange={(e) => set('addresses', e.currentTarget.value)}
            error={err('addresses')}
          />
        </Fieldset>
        <Fieldset legend="Service">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Service" value={values.serviceName} onChange={(e) => set('serviceName', e.currentTarget.value)} error={err('serviceName')} />
            <TextInput label="Suburb" value={values.suburb} onChange={(e) => set('suburb', e.currentTarget.value)} error={err('suburb')} />
            <TextInput
              label="Amount"
              inputMode="decimal"
              placeholder="120.50"
              value={values.amount}
              onChange={(e) => set('amount', e.currentTarget.value)}
              error={err('amount')}
            />
            <TextInput
              label="Currency"
              placeholder="EUR"
              maxLength={3}
              value={values.currency}
              onChange={(e) => set('currency', e.currentTarget.value)}
              error={err('currency')}
            />
          </SimpleGrid>
          <Textarea
            mt="sm"
            label="Description"
            autosize
            minRows={2}
            value={values.serviceDescription}
            onChange={(e) => set('serviceDescription', e.currentTarget.value)}
            error={err('serviceDescription')}
          />
          <TextInput
            mt="sm"
            label="Session link"
            type="url"
            value={values.sessionLink}
            onChange={(e) => set('sessionLink', e.currentTarget.value)}
            error={err('sessionLink')}
          />
        </Fieldset>
        <PropertiesField rows={values.properties} onChange={(p) => set('properties', p)} error={err('customProperties')} />
        <Switch label="Published" checked={values.published} onChange={(e) => set('published', e.currentTarget.checked)} />
        <Group>
          <Button type="submit" loading={saving}>
            {stored ? 'Save booking' : 'Create booking'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
