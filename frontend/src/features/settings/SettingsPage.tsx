import { useCallback, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { useSearchParams } from 'react-router';
import { Paper, Tabs } from '@mantine/core';
import { graphql, getFragmentData } from '@/gql';
import type { Provider } from '@/gql/graphql';
import { PageHeader, QueryState } from '@/components';
import { GeneralForm } from './GeneralForm';
import { ProviderForm } from './ProviderForm';
import { BookingStatusesSection, BookingStatusFields } from './BookingStatusesSection';
import { BookingTypesSection } from './BookingTypesSection';

const SettingsPageQuery = graphql(`
  query SettingsPage {
    organization {
      id
      cancellationStatusID
      ...SettingsOrganization
      providerConfigs {
        id
        provider
        ...SettingsProviderConfig
      }
    }
    bookingStatuses {
      id
      ...SettingsBookingStatus
    }
    bookingTypes {
      id
      ...SettingsBookingType
    }
  }
`);

const tabs = ['general', 'google', 'microsoft', 'statuses', 'types'] as const;
type Tab = (typeof tabs)[number];

/** SettingsPage: the organization's settings (admins). The tab is in the address (?tab=google). */
export function SettingsPage() {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: SettingsPageQuery });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const [params, setParams] = useSearchParams();
  const tab: Tab = tabs.includes(params.get('tab') as Tab) ? (params.get('tab') as Tab) : 'general';
  const org = data?.organization;
  const config = (p: Provider) => org?.providerConfigs?.find((c) => c.provider === p) ?? null;
  const statuses = data?.bookingStatuses ?? [];
  const statusNames = getFragmentData(BookingStatusFields, statuses).map((s) => ({ id: s.id, name: s.name }));

  return (
    <>
      <PageHeader title="Organization settings" />
      <QueryState fetching={fetching} error={error} empty={!data} onRetry={refetch} label="Loading settings">
        {org && data && (
          <Tabs
            value={tab}
            onChange={(v) => setParams(v && v !== 'general' ? { tab: v } : {}, { replace: true })}
          >
            <Tabs.List mb="md" style={{ overflowX: 'auto', flexWrap: 'nowrap' }}>
              <Tabs.Tab value="general">General</Tabs.Tab>
              <Tabs.Tab value="google">Google</Tabs.Tab>
              <Tabs.Tab value="microsoft">Microsoft</Tabs.Tab>
              <Tabs.Tab value="statuses">Booking statuses</Tabs.Tab>
              <Tabs.Tab value="types">Booking types</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="general">
              <Section>
                <GeneralForm organization={org} statuses={statusNames} />
              </Section>
            </Tabs.Panel>
            {(['GOOGLE', 'MICROSOFT'] as const).map((p) => (
              <Tabs.Panel key={p} value={p.toLowerCase()}>
                <Section>
                  <ProviderForm provider={p} config={config(p)} onSaved={refetch} />
                </Section>
              </Tabs.Panel>
            ))}
            <Tabs.Panel value="statuses">
              <Section>
                <BookingStatusesSection
                  statuses={statuses}
                  cancellationStatusId={org.cancellationStatusID}
                  onChanged={refetch}
                />
              </Section>
            </Tabs.Panel>
            <Tabs.Panel value="types">
              <Section>
                <BookingTypesSection types={data.bookingTypes} onChanged={refetch} />
              </Section>
            </Tabs.Panel>
          </Tabs>
        )}
      </QueryState>
    </>
  );
}

function Section({ children }: { children: ReactNode }) {
  return (
    <Paper withBorder p={{ base: 'sm', sm: 'lg' }} radius="md" maw={820}>
      {children}
    </Paper>
  );
}
