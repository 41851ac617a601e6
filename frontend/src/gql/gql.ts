/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment AuditEventItem on AuditEvent {\n    id\n    createdAt\n    action\n    targetType\n    targetID\n    changes\n    actor {\n      id\n      name\n      email\n    }\n  }\n": typeof types.AuditEventItemFragmentDoc,
    "\n  query AuditPage($after: Cursor) {\n    auditEvents(first: 30, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...AuditEventItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.AuditPageDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      viewer {\n        csrfToken\n        role\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  query Viewer {\n    viewer {\n      csrfToken\n      role\n      user {\n        id\n        name\n        email\n        timeZone\n      }\n      organization {\n        id\n        name\n        slug\n        defaultTimeZone\n        primaryColor\n        secondaryColor\n        googleEventColor\n        microsoftEventColor\n      }\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  query BookingsList(\n    $from: Time!\n    $to: Time!\n    $fieldworkerId: ID\n    $includeCancelled: Boolean\n    $after: Cursor\n    $where: BookingWhereInput\n  ) {\n    bookings(\n      from: $from\n      to: $to\n      fieldworkerId: $fieldworkerId\n      includeCancelled: $includeCancelled\n      # A literal, not a variable: the server reads Int variables of GET\n      # requests (urql's default for short queries) as floats and refuses them.\n      first: 50\n      after: $after\n      orderBy: { field: START_AT, direction: ASC }\n      where: $where\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          ...BookingsTableRow\n        }\n      }\n    }\n  }\n": typeof types.BookingsListDocument,
    "\n  query BookingsOptions {\n    bookingStatuses {\n      id\n      name\n      color\n    }\n    bookingTypes {\n      id\n      name\n      default\n    }\n  }\n": typeof types.BookingsOptionsDocument,
    "\n  query BookingsFieldworkers {\n    fieldworkers(active: true, first: 200) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.BookingsFieldworkersDocument,
    "\n  query BookingsBooking($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Booking {\n        id\n        updatedAt\n        title\n        cancelledAt\n        cancelReason\n        madeAtProvider\n        status {\n          id\n          name\n        }\n        ...BookingFormBooking\n        ...BookingConflictsBooking\n        ...MovedOccurrencesBooking\n      }\n    }\n  }\n": typeof types.BookingsBookingDocument,
    "\n  query BookingsOverlaps($fieldworkerId: ID!, $from: Time!, $to: Time!, $excludeBookingId: ID) {\n    overlaps(fieldworkerId: $fieldworkerId, from: $from, to: $to, excludeBookingId: $excludeBookingId) {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n    }\n  }\n": typeof types.BookingsOverlapsDocument,
    "\n  mutation BookingsCreate($input: CreateBookingInput!) {\n    createBooking(input: $input) {\n      id\n      ...BookingFormBooking\n    }\n  }\n": typeof types.BookingsCreateDocument,
    "\n  mutation BookingsUpdate($id: ID!, $input: UpdateBookingInput!) {\n    updateBooking(id: $id, input: $input) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n": typeof types.BookingsUpdateDocument,
    "\n  mutation BookingsReschedule($id: ID!, $startAt: Time!, $endAt: Time!, $timeZone: String) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt, timeZone: $timeZone) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n": typeof types.BookingsRescheduleDocument,
    "\n  mutation BookingsMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      ...MovedOccurrencesBooking\n      ...BookingConflictsBooking\n    }\n  }\n": typeof types.BookingsMoveOccurrenceDocument,
    "\n  mutation BookingsCancel($id: ID!, $reason: String) {\n    cancelBooking(id: $id, reason: $reason) {\n      id\n      cancelledAt\n      cancelReason\n      status {\n        id\n        name\n      }\n      ...BookingFormBooking\n    }\n  }\n": typeof types.BookingsCancelDocument,
    "\n  mutation BookingsDelete($id: ID!) {\n    deleteBooking(id: $id)\n  }\n": typeof types.BookingsDeleteDocument,
    "\n  mutation BookingsSetPublished($ids: [ID!]!, $published: Boolean!) {\n    setBookingsPublished(ids: $ids, published: $published) {\n      id\n      published\n    }\n  }\n": typeof types.BookingsSetPublishedDocument,
    "\n  mutation BookingsMassModify($input: MassModifyBookingsInput!) {\n    massModifyBookings(input: $input) {\n      count\n      bookings {\n        id\n        ...BookingsTableRow\n      }\n    }\n  }\n": typeof types.BookingsMassModifyDocument,
    "\n  fragment BookingFormBooking on Booking {\n    id\n    updatedAt\n    title\n    startAt\n    endAt\n    timeZone\n    recurrence\n    published\n    statusID\n    typeID\n    hosts {\n      id\n      name\n    }\n    customerName\n    customerBusinessName\n    customerEmail\n    customerPhone\n    addresses\n    suburb\n    serviceName\n    serviceDescription\n    amount\n    currency\n    customProperties\n    sessionLink\n  }\n": typeof types.BookingFormBookingFragmentDoc,
    "\n  fragment BookingsTableRow on Booking {\n    id\n    title\n    startAt\n    endAt\n    recurrence\n    published\n    cancelledAt\n    customerName\n    hosts {\n      id\n      name\n    }\n    status {\n      id\n      name\n      color\n    }\n    type {\n      id\n      name\n    }\n  }\n": typeof types.BookingsTableRowFragmentDoc,
    "\n  fragment BookingConflictsBooking on Booking {\n    id\n    timeZone\n    conflicts {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n      fieldworker {\n        id\n        name\n      }\n    }\n  }\n": typeof types.BookingConflictsBookingFragmentDoc,
    "\n  fragment MovedOccurrencesBooking on Booking {\n    id\n    startAt\n    endAt\n    timeZone\n    movedOccurrences {\n      originalStart\n      startAt\n      endAt\n    }\n  }\n": typeof types.MovedOccurrencesBookingFragmentDoc,
    "\n  query CalendarSyncPage {\n    viewer {\n      role\n      user {\n        id\n        timeZone\n        googleSync\n        microsoftSync\n        calendarSyncs {\n          ...CalendarSyncCard_sync\n        }\n      }\n    }\n    organization {\n      id\n      providerConfigs {\n        id\n        provider\n        enabled\n        usersCanOverride\n      }\n    }\n  }\n": typeof types.CalendarSyncPageDocument,
    "\n  subscription CalendarSyncAccountChanged($userId: ID) {\n    calendarAccountChanged(userId: $userId) {\n      accountId\n      status\n      lastError\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n": typeof types.CalendarSyncAccountChangedDocument,
    "\n  fragment CalendarSyncCalendars_account on CalendarAccount {\n    id\n    destinationCalendarID\n    calendars {\n      id\n      calendarID\n      name\n      primary\n      selected\n      accessRole\n      lastReadError\n    }\n  }\n": typeof types.CalendarSyncCalendars_AccountFragmentDoc,
    "\n  mutation CalendarSyncSelectCalendars($provider: Provider!, $calendarIds: [ID!]!) {\n    selectImportedCalendars(provider: $provider, calendarIds: $calendarIds) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n": typeof types.CalendarSyncSelectCalendarsDocument,
    "\n  mutation CalendarSyncRefreshCalendars($provider: Provider!) {\n    refreshCalendars(provider: $provider) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n": typeof types.CalendarSyncRefreshCalendarsDocument,
    "\n  fragment CalendarSyncCard_sync on CalendarSync {\n    provider\n    enabled\n    reason\n    credentialMode\n    action\n    account {\n      id\n      accountEmail\n      status\n      lastError\n      lastSyncedAt\n      syncRuns(first: 1, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges {\n          node {\n            id\n            state\n            total\n            done\n          }\n        }\n      }\n      ...CalendarSyncCalendars_account\n    }\n  }\n": typeof types.CalendarSyncCard_SyncFragmentDoc,
    "\n  mutation CalendarSyncStartLink($provider: Provider!) {\n    startCalendarLink(provider: $provider) {\n      url\n    }\n  }\n": typeof types.CalendarSyncStartLinkDocument,
    "\n  mutation CalendarSyncEnableService($provider: Provider!) {\n    enableServiceAccountSync(provider: $provider) {\n      error\n      account {\n        id\n        status\n      }\n    }\n  }\n": typeof types.CalendarSyncEnableServiceDocument,
    "\n  mutation CalendarSyncResync($provider: Provider!) {\n    resyncCalendar(provider: $provider) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n": typeof types.CalendarSyncResyncDocument,
    "\n  mutation CalendarSyncUnlink($provider: Provider!) {\n    unlinkCalendar(provider: $provider) {\n      id\n      status\n    }\n  }\n": typeof types.CalendarSyncUnlinkDocument,
    "\n  mutation CalendarSyncSetChoice($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      googleSync\n      microsoftSync\n      calendarSyncs {\n        ...CalendarSyncCard_sync\n      }\n    }\n  }\n": typeof types.CalendarSyncSetChoiceDocument,
    "\n  subscription CalendarSyncProgress($userId: ID) {\n    syncStatusChanged(userId: $userId) {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n": typeof types.CalendarSyncProgressDocument,
    "\n  fragment CalendarInvitationUser on User {\n    id\n    name\n    email\n    calendarSyncs {\n      provider\n      enabled\n      action\n      account {\n        id\n        status\n        accountEmail\n      }\n      lastInvitation {\n        id\n        createdAt\n      }\n    }\n  }\n": typeof types.CalendarInvitationUserFragmentDoc,
    "\n  query CalendarInvitationUser($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on User {\n        ...CalendarInvitationUser\n      }\n    }\n  }\n": typeof types.CalendarInvitationUserDocument,
    "\n  mutation CalendarSendInvitation($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n    }\n  }\n": typeof types.CalendarSendInvitationDocument,
    "\n  fragment CalendarLegendFields on CalendarLegend {\n    booking\n    recurringBooking\n    google\n    microsoft\n  }\n": typeof types.CalendarLegendFieldsFragmentDoc,
    "\n  fragment CalendarEntryFields on CalendarEntry {\n    kind\n    id\n    start\n    end\n    allDay\n    title\n    busy\n    color\n    recurring\n    originalStart\n    webLink\n    provider\n    booking {\n      id\n    }\n    fieldworker {\n      id\n      name\n    }\n  }\n": typeof types.CalendarEntryFieldsFragmentDoc,
    "\n  query CalendarView($from: Time!, $to: Time!, $fieldworkerIds: [ID!]) {\n    calendarView(from: $from, to: $to, fieldworkerIds: $fieldworkerIds) {\n      from\n      to\n      entries {\n        ...CalendarEntryFields\n      }\n      legend {\n        ...CalendarLegendFields\n      }\n    }\n  }\n": typeof types.CalendarViewDocument,
    "\n  query CalendarFieldworkers {\n    fieldworkers(active: true, first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.CalendarFieldworkersDocument,
    "\n  mutation CalendarReschedule($id: ID!, $startAt: Time!, $endAt: Time!) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt) {\n      id\n      startAt\n      endAt\n    }\n  }\n": typeof types.CalendarRescheduleDocument,
    "\n  mutation CalendarMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      movedOccurrences {\n        originalStart\n        startAt\n        endAt\n      }\n    }\n  }\n": typeof types.CalendarMoveOccurrenceDocument,
    "\n  subscription CalendarBookingChanged {\n    bookingChanged {\n      kind\n      bookingId\n      at\n    }\n  }\n": typeof types.CalendarBookingChangedDocument,
    "\n  subscription CalendarExternalEventsChanged {\n    externalEventsChanged {\n      fieldworkerId\n      calendarId\n      at\n    }\n  }\n": typeof types.CalendarExternalEventsChangedDocument,
    "\n  fragment ConflictCard on SyncConflict {\n    id\n    state\n    provider\n    createdAt\n    resolution\n    resolvedAt\n    calsyncChanged\n    providerChanged\n    occurrenceStart\n    booking {\n      id\n      title\n    }\n    user {\n      id\n      name\n    }\n    resolvedBy {\n      id\n      name\n    }\n    calsyncVersion {\n      ...EventVersionFields\n    }\n    providerVersion {\n      ...EventVersionFields\n    }\n  }\n": typeof types.ConflictCardFragmentDoc,
    "\n  fragment EventVersionFields on EventVersion {\n    title\n    location\n    description\n    start\n    end\n    allDay\n    deleted\n  }\n": typeof types.EventVersionFieldsFragmentDoc,
    "\n  mutation ResolveConflict($id: ID!, $keep: SyncConflictResolution!) {\n    resolveSyncConflict(id: $id, keep: $keep) {\n      id\n      ...ConflictCard\n    }\n  }\n": typeof types.ResolveConflictDocument,
    "\n  query ConflictsPage($state: SyncConflictState!) {\n    syncConflicts(first: 50, where: { state: $state }) {\n      totalCount\n      edges {\n        node {\n          id\n          ...ConflictCard\n        }\n      }\n    }\n  }\n": typeof types.ConflictsPageDocument,
    "\n  subscription ConflictChanged {\n    syncConflictChanged {\n      conflictId\n      state\n    }\n  }\n": typeof types.ConflictChangedDocument,
    "\n  query FieldworkersPage($active: Boolean, $after: Cursor) {\n    fieldworkers(first: 100, after: $after, active: $active) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          ...FieldworkersRow_user\n        }\n      }\n    }\n    organization {\n      id\n      name\n    }\n  }\n": typeof types.FieldworkersPageDocument,
    "\n  subscription FieldworkersSyncProgress {\n    syncStatusChanged {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n": typeof types.FieldworkersSyncProgressDocument,
    "\n  subscription FieldworkersAccountChanged {\n    calendarAccountChanged {\n      accountId\n      status\n    }\n  }\n": typeof types.FieldworkersAccountChangedDocument,
    "\n  mutation FieldworkersSetSync($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n": typeof types.FieldworkersSetSyncDocument,
    "\n  mutation FieldworkersResync($provider: Provider!, $userId: ID!) {\n    resyncCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n": typeof types.FieldworkersResyncDocument,
    "\n  mutation FieldworkersUnlink($provider: Provider!, $userId: ID!) {\n    unlinkCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n    }\n  }\n": typeof types.FieldworkersUnlinkDocument,
    "\n  mutation FieldworkersDeactivate($id: ID!) {\n    deactivateUser(id: $id) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n": typeof types.FieldworkersDeactivateDocument,
    "\n  mutation FieldworkersSendAuthorization($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n      createdAt\n      expiresAt\n      userID\n    }\n  }\n": typeof types.FieldworkersSendAuthorizationDocument,
    "\n  query FieldworkersOutbox {\n    outbox(first: 20) {\n      edges {\n        node {\n          id\n          createdAt\n          to\n          subject\n          body\n          kind\n          state\n        }\n      }\n    }\n  }\n": typeof types.FieldworkersOutboxDocument,
    "\n  fragment FieldworkersRow_user on User {\n    id\n    name\n    email\n    active\n    calendarSyncs {\n      provider\n      enabled\n      reason\n      credentialMode\n      action\n      account {\n        id\n        accountEmail\n        status\n        lastError\n        lastSyncedAt\n      }\n      lastInvitation {\n        id\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n    }\n  }\n": typeof types.FieldworkersRow_UserFragmentDoc,
    "\n  fragment OutboxMessageDetail on EmailMessage {\n    id\n    to\n    subject\n    body\n    htmlBody\n    kind\n    state\n    attempts\n    lastError\n    createdAt\n    sentAt\n  }\n": typeof types.OutboxMessageDetailFragmentDoc,
    "\n  fragment OutboxMessageRow on EmailMessage {\n    id\n    to\n    subject\n    state\n    createdAt\n    sentAt\n  }\n": typeof types.OutboxMessageRowFragmentDoc,
    "\n  query OutboxPage($after: Cursor) {\n    outbox(first: 20, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...OutboxMessageRow\n          ...OutboxMessageDetail\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.OutboxPageDocument,
    "\n  fragment SettingsBookingStatus on BookingStatus {\n    id\n    name\n    color\n    description\n    pushToCalendar\n    deleteFromCalendar\n  }\n": typeof types.SettingsBookingStatusFragmentDoc,
    "\n  mutation SettingsCreateBookingStatus($input: CreateBookingStatusInput!) {\n    createBookingStatus(input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n": typeof types.SettingsCreateBookingStatusDocument,
    "\n  mutation SettingsUpdateBookingStatus($id: ID!, $input: UpdateBookingStatusInput!) {\n    updateBookingStatus(id: $id, input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n": typeof types.SettingsUpdateBookingStatusDocument,
    "\n  mutation SettingsDeleteBookingStatus($id: ID!) {\n    deleteBookingStatus(id: $id)\n  }\n": typeof types.SettingsDeleteBookingStatusDocument,
    "\n  fragment SettingsBookingType on BookingType {\n    id\n    name\n    syncToCalendar\n    personal\n    default\n    unavailable\n  }\n": typeof types.SettingsBookingTypeFragmentDoc,
    "\n  mutation SettingsCreateBookingType($input: CreateBookingTypeInput!) {\n    createBookingType(input: $input) {\n      ...SettingsBookingType\n    }\n  }\n": typeof types.SettingsCreateBookingTypeDocument,
    "\n  mutation SettingsUpdateBookingType($id: ID!, $input: UpdateBookingTypeInput!) {\n    updateBookingType(id: $id, input: $input) {\n      ...SettingsBookingType\n    }\n  }\n": typeof types.SettingsUpdateBookingTypeDocument,
    "\n  mutation SettingsDeleteBookingType($id: ID!) {\n    deleteBookingType(id: $id)\n  }\n": typeof types.SettingsDeleteBookingTypeDocument,
    "\n  fragment SettingsOrganization on Organization {\n    id\n    name\n    defaultTimeZone\n    primaryColor\n    secondaryColor\n    googleEventColor\n    microsoftEventColor\n    cancellationStatusID\n    updatedAt\n  }\n": typeof types.SettingsOrganizationFragmentDoc,
    "\n  mutation SettingsUpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      ...SettingsOrganization\n    }\n  }\n": typeof types.SettingsUpdateOrganizationDocument,
    "\n  mutation SettingsSetCancellationStatus($statusId: ID!) {\n    setCancellationStatus(statusId: $statusId) {\n      ...SettingsOrganization\n    }\n  }\n": typeof types.SettingsSetCancellationStatusDocument,
    "\n  fragment SettingsProviderConfig on ProviderConfig {\n    id\n    provider\n    enabled\n    usersCanOverride\n    credentialMode\n    destination\n    syncDirection\n    unlinkPolicy\n    clientID\n    serviceAccountEmail\n    msTenantID\n    hasClientSecret\n    hasServiceAccountKey\n    updatedAt\n  }\n": typeof types.SettingsProviderConfigFragmentDoc,
    "\n  mutation SettingsUpdateProviderConfig($input: UpdateProviderConfigInput!) {\n    updateProviderConfig(input: $input) {\n      ...SettingsProviderConfig\n    }\n  }\n": typeof types.SettingsUpdateProviderConfigDocument,
    "\n  mutation SettingsTestProviderConnection($provider: Provider!) {\n    testProviderConnection(provider: $provider) {\n      ok\n      message\n    }\n  }\n": typeof types.SettingsTestProviderConnectionDocument,
    "\n  query SettingsPage {\n    organization {\n      id\n      cancellationStatusID\n      ...SettingsOrganization\n      providerConfigs {\n        id\n        provider\n        ...SettingsProviderConfig\n      }\n    }\n    bookingStatuses {\n      id\n      ...SettingsBookingStatus\n    }\n    bookingTypes {\n      id\n      ...SettingsBookingType\n    }\n  }\n": typeof types.SettingsPageDocument,
};
const documents: Documents = {
    "\n  fragment AuditEventItem on AuditEvent {\n    id\n    createdAt\n    action\n    targetType\n    targetID\n    changes\n    actor {\n      id\n      name\n      email\n    }\n  }\n": types.AuditEventItemFragmentDoc,
    "\n  query AuditPage($after: Cursor) {\n    auditEvents(first: 30, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...AuditEventItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.AuditPageDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      viewer {\n        csrfToken\n        role\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  query Viewer {\n    viewer {\n      csrfToken\n      role\n      user {\n        id\n        name\n        email\n        timeZone\n      }\n      organization {\n        id\n        name\n        slug\n        defaultTimeZone\n        primaryColor\n        secondaryColor\n        googleEventColor\n        microsoftEventColor\n      }\n    }\n  }\n": types.ViewerDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  query BookingsList(\n    $from: Time!\n    $to: Time!\n    $fieldworkerId: ID\n    $includeCancelled: Boolean\n    $after: Cursor\n    $where: BookingWhereInput\n  ) {\n    bookings(\n      from: $from\n      to: $to\n      fieldworkerId: $fieldworkerId\n      includeCancelled: $includeCancelled\n      # A literal, not a variable: the server reads Int variables of GET\n      # requests (urql's default for short queries) as floats and refuses them.\n      first: 50\n      after: $after\n      orderBy: { field: START_AT, direction: ASC }\n      where: $where\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          ...BookingsTableRow\n        }\n      }\n    }\n  }\n": types.BookingsListDocument,
    "\n  query BookingsOptions {\n    bookingStatuses {\n      id\n      name\n      color\n    }\n    bookingTypes {\n      id\n      name\n      default\n    }\n  }\n": types.BookingsOptionsDocument,
    "\n  query BookingsFieldworkers {\n    fieldworkers(active: true, first: 200) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.BookingsFieldworkersDocument,
    "\n  query BookingsBooking($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Booking {\n        id\n        updatedAt\n        title\n        cancelledAt\n        cancelReason\n        madeAtProvider\n        status {\n          id\n          name\n        }\n        ...BookingFormBooking\n        ...BookingConflictsBooking\n        ...MovedOccurrencesBooking\n      }\n    }\n  }\n": types.BookingsBookingDocument,
    "\n  query BookingsOverlaps($fieldworkerId: ID!, $from: Time!, $to: Time!, $excludeBookingId: ID) {\n    overlaps(fieldworkerId: $fieldworkerId, from: $from, to: $to, excludeBookingId: $excludeBookingId) {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n    }\n  }\n": types.BookingsOverlapsDocument,
    "\n  mutation BookingsCreate($input: CreateBookingInput!) {\n    createBooking(input: $input) {\n      id\n      ...BookingFormBooking\n    }\n  }\n": types.BookingsCreateDocument,
    "\n  mutation BookingsUpdate($id: ID!, $input: UpdateBookingInput!) {\n    updateBooking(id: $id, input: $input) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n": types.BookingsUpdateDocument,
    "\n  mutation BookingsReschedule($id: ID!, $startAt: Time!, $endAt: Time!, $timeZone: String) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt, timeZone: $timeZone) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n": types.BookingsRescheduleDocument,
    "\n  mutation BookingsMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      ...MovedOccurrencesBooking\n      ...BookingConflictsBooking\n    }\n  }\n": types.BookingsMoveOccurrenceDocument,
    "\n  mutation BookingsCancel($id: ID!, $reason: String) {\n    cancelBooking(id: $id, reason: $reason) {\n      id\n      cancelledAt\n      cancelReason\n      status {\n        id\n        name\n      }\n      ...BookingFormBooking\n    }\n  }\n": types.BookingsCancelDocument,
    "\n  mutation BookingsDelete($id: ID!) {\n    deleteBooking(id: $id)\n  }\n": types.BookingsDeleteDocument,
    "\n  mutation BookingsSetPublished($ids: [ID!]!, $published: Boolean!) {\n    setBookingsPublished(ids: $ids, published: $published) {\n      id\n      published\n    }\n  }\n": types.BookingsSetPublishedDocument,
    "\n  mutation BookingsMassModify($input: MassModifyBookingsInput!) {\n    massModifyBookings(input: $input) {\n      count\n      bookings {\n        id\n        ...BookingsTableRow\n      }\n    }\n  }\n": types.BookingsMassModifyDocument,
    "\n  fragment BookingFormBooking on Booking {\n    id\n    updatedAt\n    title\n    startAt\n    endAt\n    timeZone\n    recurrence\n    published\n    statusID\n    typeID\n    hosts {\n      id\n      name\n    }\n    customerName\n    customerBusinessName\n    customerEmail\n    customerPhone\n    addresses\n    suburb\n    serviceName\n    serviceDescription\n    amount\n    currency\n    customProperties\n    sessionLink\n  }\n": types.BookingFormBookingFragmentDoc,
    "\n  fragment BookingsTableRow on Booking {\n    id\n    title\n    startAt\n    endAt\n    recurrence\n    published\n    cancelledAt\n    customerName\n    hosts {\n      id\n      name\n    }\n    status {\n      id\n      name\n      color\n    }\n    type {\n      id\n      name\n    }\n  }\n": types.BookingsTableRowFragmentDoc,
    "\n  fragment BookingConflictsBooking on Booking {\n    id\n    timeZone\n    conflicts {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n      fieldworker {\n        id\n        name\n      }\n    }\n  }\n": types.BookingConflictsBookingFragmentDoc,
    "\n  fragment MovedOccurrencesBooking on Booking {\n    id\n    startAt\n    endAt\n    timeZone\n    movedOccurrences {\n      originalStart\n      startAt\n      endAt\n    }\n  }\n": types.MovedOccurrencesBookingFragmentDoc,
    "\n  query CalendarSyncPage {\n    viewer {\n      role\n      user {\n        id\n        timeZone\n        googleSync\n        microsoftSync\n        calendarSyncs {\n          ...CalendarSyncCard_sync\n        }\n      }\n    }\n    organization {\n      id\n      providerConfigs {\n        id\n        provider\n        enabled\n        usersCanOverride\n      }\n    }\n  }\n": types.CalendarSyncPageDocument,
    "\n  subscription CalendarSyncAccountChanged($userId: ID) {\n    calendarAccountChanged(userId: $userId) {\n      accountId\n      status\n      lastError\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n": types.CalendarSyncAccountChangedDocument,
    "\n  fragment CalendarSyncCalendars_account on CalendarAccount {\n    id\n    destinationCalendarID\n    calendars {\n      id\n      calendarID\n      name\n      primary\n      selected\n      accessRole\n      lastReadError\n    }\n  }\n": types.CalendarSyncCalendars_AccountFragmentDoc,
    "\n  mutation CalendarSyncSelectCalendars($provider: Provider!, $calendarIds: [ID!]!) {\n    selectImportedCalendars(provider: $provider, calendarIds: $calendarIds) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n": types.CalendarSyncSelectCalendarsDocument,
    "\n  mutation CalendarSyncRefreshCalendars($provider: Provider!) {\n    refreshCalendars(provider: $provider) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n": types.CalendarSyncRefreshCalendarsDocument,
    "\n  fragment CalendarSyncCard_sync on CalendarSync {\n    provider\n    enabled\n    reason\n    credentialMode\n    action\n    account {\n      id\n      accountEmail\n      status\n      lastError\n      lastSyncedAt\n      syncRuns(first: 1, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges {\n          node {\n            id\n            state\n            total\n            done\n          }\n        }\n      }\n      ...CalendarSyncCalendars_account\n    }\n  }\n": types.CalendarSyncCard_SyncFragmentDoc,
    "\n  mutation CalendarSyncStartLink($provider: Provider!) {\n    startCalendarLink(provider: $provider) {\n      url\n    }\n  }\n": types.CalendarSyncStartLinkDocument,
    "\n  mutation CalendarSyncEnableService($provider: Provider!) {\n    enableServiceAccountSync(provider: $provider) {\n      error\n      account {\n        id\n        status\n      }\n    }\n  }\n": types.CalendarSyncEnableServiceDocument,
    "\n  mutation CalendarSyncResync($provider: Provider!) {\n    resyncCalendar(provider: $provider) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n": types.CalendarSyncResyncDocument,
    "\n  mutation CalendarSyncUnlink($provider: Provider!) {\n    unlinkCalendar(provider: $provider) {\n      id\n      status\n    }\n  }\n": types.CalendarSyncUnlinkDocument,
    "\n  mutation CalendarSyncSetChoice($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      googleSync\n      microsoftSync\n      calendarSyncs {\n        ...CalendarSyncCard_sync\n      }\n    }\n  }\n": types.CalendarSyncSetChoiceDocument,
    "\n  subscription CalendarSyncProgress($userId: ID) {\n    syncStatusChanged(userId: $userId) {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n": types.CalendarSyncProgressDocument,
    "\n  fragment CalendarInvitationUser on User {\n    id\n    name\n    email\n    calendarSyncs {\n      provider\n      enabled\n      action\n      account {\n        id\n        status\n        accountEmail\n      }\n      lastInvitation {\n        id\n        createdAt\n      }\n    }\n  }\n": types.CalendarInvitationUserFragmentDoc,
    "\n  query CalendarInvitationUser($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on User {\n        ...CalendarInvitationUser\n      }\n    }\n  }\n": types.CalendarInvitationUserDocument,
    "\n  mutation CalendarSendInvitation($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n    }\n  }\n": types.CalendarSendInvitationDocument,
    "\n  fragment CalendarLegendFields on CalendarLegend {\n    booking\n    recurringBooking\n    google\n    microsoft\n  }\n": types.CalendarLegendFieldsFragmentDoc,
    "\n  fragment CalendarEntryFields on CalendarEntry {\n    kind\n    id\n    start\n    end\n    allDay\n    title\n    busy\n    color\n    recurring\n    originalStart\n    webLink\n    provider\n    booking {\n      id\n    }\n    fieldworker {\n      id\n      name\n    }\n  }\n": types.CalendarEntryFieldsFragmentDoc,
    "\n  query CalendarView($from: Time!, $to: Time!, $fieldworkerIds: [ID!]) {\n    calendarView(from: $from, to: $to, fieldworkerIds: $fieldworkerIds) {\n      from\n      to\n      entries {\n        ...CalendarEntryFields\n      }\n      legend {\n        ...CalendarLegendFields\n      }\n    }\n  }\n": types.CalendarViewDocument,
    "\n  query CalendarFieldworkers {\n    fieldworkers(active: true, first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.CalendarFieldworkersDocument,
    "\n  mutation CalendarReschedule($id: ID!, $startAt: Time!, $endAt: Time!) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt) {\n      id\n      startAt\n      endAt\n    }\n  }\n": types.CalendarRescheduleDocument,
    "\n  mutation CalendarMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      movedOccurrences {\n        originalStart\n        startAt\n        endAt\n      }\n    }\n  }\n": types.CalendarMoveOccurrenceDocument,
    "\n  subscription CalendarBookingChanged {\n    bookingChanged {\n      kind\n      bookingId\n      at\n    }\n  }\n": types.CalendarBookingChangedDocument,
    "\n  subscription CalendarExternalEventsChanged {\n    externalEventsChanged {\n      fieldworkerId\n      calendarId\n      at\n    }\n  }\n": types.CalendarExternalEventsChangedDocument,
    "\n  fragment ConflictCard on SyncConflict {\n    id\n    state\n    provider\n    createdAt\n    resolution\n    resolvedAt\n    calsyncChanged\n    providerChanged\n    occurrenceStart\n    booking {\n      id\n      title\n    }\n    user {\n      id\n      name\n    }\n    resolvedBy {\n      id\n      name\n    }\n    calsyncVersion {\n      ...EventVersionFields\n    }\n    providerVersion {\n      ...EventVersionFields\n    }\n  }\n": types.ConflictCardFragmentDoc,
    "\n  fragment EventVersionFields on EventVersion {\n    title\n    location\n    description\n    start\n    end\n    allDay\n    deleted\n  }\n": types.EventVersionFieldsFragmentDoc,
    "\n  mutation ResolveConflict($id: ID!, $keep: SyncConflictResolution!) {\n    resolveSyncConflict(id: $id, keep: $keep) {\n      id\n      ...ConflictCard\n    }\n  }\n": types.ResolveConflictDocument,
    "\n  query ConflictsPage($state: SyncConflictState!) {\n    syncConflicts(first: 50, where: { state: $state }) {\n      totalCount\n      edges {\n        node {\n          id\n          ...ConflictCard\n        }\n      }\n    }\n  }\n": types.ConflictsPageDocument,
    "\n  subscription ConflictChanged {\n    syncConflictChanged {\n      conflictId\n      state\n    }\n  }\n": types.ConflictChangedDocument,
    "\n  query FieldworkersPage($active: Boolean, $after: Cursor) {\n    fieldworkers(first: 100, after: $after, active: $active) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          ...FieldworkersRow_user\n        }\n      }\n    }\n    organization {\n      id\n      name\n    }\n  }\n": types.FieldworkersPageDocument,
    "\n  subscription FieldworkersSyncProgress {\n    syncStatusChanged {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n": types.FieldworkersSyncProgressDocument,
    "\n  subscription FieldworkersAccountChanged {\n    calendarAccountChanged {\n      accountId\n      status\n    }\n  }\n": types.FieldworkersAccountChangedDocument,
    "\n  mutation FieldworkersSetSync($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n": types.FieldworkersSetSyncDocument,
    "\n  mutation FieldworkersResync($provider: Provider!, $userId: ID!) {\n    resyncCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n": types.FieldworkersResyncDocument,
    "\n  mutation FieldworkersUnlink($provider: Provider!, $userId: ID!) {\n    unlinkCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n    }\n  }\n": types.FieldworkersUnlinkDocument,
    "\n  mutation FieldworkersDeactivate($id: ID!) {\n    deactivateUser(id: $id) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n": types.FieldworkersDeactivateDocument,
    "\n  mutation FieldworkersSendAuthorization($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n      createdAt\n      expiresAt\n      userID\n    }\n  }\n": types.FieldworkersSendAuthorizationDocument,
    "\n  query FieldworkersOutbox {\n    outbox(first: 20) {\n      edges {\n        node {\n          id\n          createdAt\n          to\n          subject\n          body\n          kind\n          state\n        }\n      }\n    }\n  }\n": types.FieldworkersOutboxDocument,
    "\n  fragment FieldworkersRow_user on User {\n    id\n    name\n    email\n    active\n    calendarSyncs {\n      provider\n      enabled\n      reason\n      credentialMode\n      action\n      account {\n        id\n        accountEmail\n        status\n        lastError\n        lastSyncedAt\n      }\n      lastInvitation {\n        id\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n    }\n  }\n": types.FieldworkersRow_UserFragmentDoc,
    "\n  fragment OutboxMessageDetail on EmailMessage {\n    id\n    to\n    subject\n    body\n    htmlBody\n    kind\n    state\n    attempts\n    lastError\n    createdAt\n    sentAt\n  }\n": types.OutboxMessageDetailFragmentDoc,
    "\n  fragment OutboxMessageRow on EmailMessage {\n    id\n    to\n    subject\n    state\n    createdAt\n    sentAt\n  }\n": types.OutboxMessageRowFragmentDoc,
    "\n  query OutboxPage($after: Cursor) {\n    outbox(first: 20, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...OutboxMessageRow\n          ...OutboxMessageDetail\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.OutboxPageDocument,
    "\n  fragment SettingsBookingStatus on BookingStatus {\n    id\n    name\n    color\n    description\n    pushToCalendar\n    deleteFromCalendar\n  }\n": types.SettingsBookingStatusFragmentDoc,
    "\n  mutation SettingsCreateBookingStatus($input: CreateBookingStatusInput!) {\n    createBookingStatus(input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n": types.SettingsCreateBookingStatusDocument,
    "\n  mutation SettingsUpdateBookingStatus($id: ID!, $input: UpdateBookingStatusInput!) {\n    updateBookingStatus(id: $id, input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n": types.SettingsUpdateBookingStatusDocument,
    "\n  mutation SettingsDeleteBookingStatus($id: ID!) {\n    deleteBookingStatus(id: $id)\n  }\n": types.SettingsDeleteBookingStatusDocument,
    "\n  fragment SettingsBookingType on BookingType {\n    id\n    name\n    syncToCalendar\n    personal\n    default\n    unavailable\n  }\n": types.SettingsBookingTypeFragmentDoc,
    "\n  mutation SettingsCreateBookingType($input: CreateBookingTypeInput!) {\n    createBookingType(input: $input) {\n      ...SettingsBookingType\n    }\n  }\n": types.SettingsCreateBookingTypeDocument,
    "\n  mutation SettingsUpdateBookingType($id: ID!, $input: UpdateBookingTypeInput!) {\n    updateBookingType(id: $id, input: $input) {\n      ...SettingsBookingType\n    }\n  }\n": types.SettingsUpdateBookingTypeDocument,
    "\n  mutation SettingsDeleteBookingType($id: ID!) {\n    deleteBookingType(id: $id)\n  }\n": types.SettingsDeleteBookingTypeDocument,
    "\n  fragment SettingsOrganization on Organization {\n    id\n    name\n    defaultTimeZone\n    primaryColor\n    secondaryColor\n    googleEventColor\n    microsoftEventColor\n    cancellationStatusID\n    updatedAt\n  }\n": types.SettingsOrganizationFragmentDoc,
    "\n  mutation SettingsUpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      ...SettingsOrganization\n    }\n  }\n": types.SettingsUpdateOrganizationDocument,
    "\n  mutation SettingsSetCancellationStatus($statusId: ID!) {\n    setCancellationStatus(statusId: $statusId) {\n      ...SettingsOrganization\n    }\n  }\n": types.SettingsSetCancellationStatusDocument,
    "\n  fragment SettingsProviderConfig on ProviderConfig {\n    id\n    provider\n    enabled\n    usersCanOverride\n    credentialMode\n    destination\n    syncDirection\n    unlinkPolicy\n    clientID\n    serviceAccountEmail\n    msTenantID\n    hasClientSecret\n    hasServiceAccountKey\n    updatedAt\n  }\n": types.SettingsProviderConfigFragmentDoc,
    "\n  mutation SettingsUpdateProviderConfig($input: UpdateProviderConfigInput!) {\n    updateProviderConfig(input: $input) {\n      ...SettingsProviderConfig\n    }\n  }\n": types.SettingsUpdateProviderConfigDocument,
    "\n  mutation SettingsTestProviderConnection($provider: Provider!) {\n    testProviderConnection(provider: $provider) {\n      ok\n      message\n    }\n  }\n": types.SettingsTestProviderConnectionDocument,
    "\n  query SettingsPage {\n    organization {\n      id\n      cancellationStatusID\n      ...SettingsOrganization\n      providerConfigs {\n        id\n        provider\n        ...SettingsProviderConfig\n      }\n    }\n    bookingStatuses {\n      id\n      ...SettingsBookingStatus\n    }\n    bookingTypes {\n      id\n      ...SettingsBookingType\n    }\n  }\n": types.SettingsPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AuditEventItem on AuditEvent {\n    id\n    createdAt\n    action\n    targetType\n    targetID\n    changes\n    actor {\n      id\n      name\n      email\n    }\n  }\n"): (typeof documents)["\n  fragment AuditEventItem on AuditEvent {\n    id\n    createdAt\n    action\n    targetType\n    targetID\n    changes\n    actor {\n      id\n      name\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditPage($after: Cursor) {\n    auditEvents(first: 30, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...AuditEventItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditPage($after: Cursor) {\n    auditEvents(first: 30, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...AuditEventItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      viewer {\n        csrfToken\n        role\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      viewer {\n        csrfToken\n        role\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      csrfToken\n      role\n      user {\n        id\n        name\n        email\n        timeZone\n      }\n      organization {\n        id\n        name\n        slug\n        defaultTimeZone\n        primaryColor\n        secondaryColor\n        googleEventColor\n        microsoftEventColor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      csrfToken\n      role\n      user {\n        id\n        name\n        email\n        timeZone\n      }\n      organization {\n        id\n        name\n        slug\n        defaultTimeZone\n        primaryColor\n        secondaryColor\n        googleEventColor\n        microsoftEventColor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BookingsList(\n    $from: Time!\n    $to: Time!\n    $fieldworkerId: ID\n    $includeCancelled: Boolean\n    $after: Cursor\n    $where: BookingWhereInput\n  ) {\n    bookings(\n      from: $from\n      to: $to\n      fieldworkerId: $fieldworkerId\n      includeCancelled: $includeCancelled\n      # A literal, not a variable: the server reads Int variables of GET\n      # requests (urql's default for short queries) as floats and refuses them.\n      first: 50\n      after: $after\n      orderBy: { field: START_AT, direction: ASC }\n      where: $where\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          ...BookingsTableRow\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query BookingsList(\n    $from: Time!\n    $to: Time!\n    $fieldworkerId: ID\n    $includeCancelled: Boolean\n    $after: Cursor\n    $where: BookingWhereInput\n  ) {\n    bookings(\n      from: $from\n      to: $to\n      fieldworkerId: $fieldworkerId\n      includeCancelled: $includeCancelled\n      # A literal, not a variable: the server reads Int variables of GET\n      # requests (urql's default for short queries) as floats and refuses them.\n      first: 50\n      after: $after\n      orderBy: { field: START_AT, direction: ASC }\n      where: $where\n    ) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          ...BookingsTableRow\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BookingsOptions {\n    bookingStatuses {\n      id\n      name\n      color\n    }\n    bookingTypes {\n      id\n      name\n      default\n    }\n  }\n"): (typeof documents)["\n  query BookingsOptions {\n    bookingStatuses {\n      id\n      name\n      color\n    }\n    bookingTypes {\n      id\n      name\n      default\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BookingsFieldworkers {\n    fieldworkers(active: true, first: 200) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query BookingsFieldworkers {\n    fieldworkers(active: true, first: 200) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BookingsBooking($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Booking {\n        id\n        updatedAt\n        title\n        cancelledAt\n        cancelReason\n        madeAtProvider\n        status {\n          id\n          name\n        }\n        ...BookingFormBooking\n        ...BookingConflictsBooking\n        ...MovedOccurrencesBooking\n      }\n    }\n  }\n"): (typeof documents)["\n  query BookingsBooking($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on Booking {\n        id\n        updatedAt\n        title\n        cancelledAt\n        cancelReason\n        madeAtProvider\n        status {\n          id\n          name\n        }\n        ...BookingFormBooking\n        ...BookingConflictsBooking\n        ...MovedOccurrencesBooking\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BookingsOverlaps($fieldworkerId: ID!, $from: Time!, $to: Time!, $excludeBookingId: ID) {\n    overlaps(fieldworkerId: $fieldworkerId, from: $from, to: $to, excludeBookingId: $excludeBookingId) {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n    }\n  }\n"): (typeof documents)["\n  query BookingsOverlaps($fieldworkerId: ID!, $from: Time!, $to: Time!, $excludeBookingId: ID) {\n    overlaps(fieldworkerId: $fieldworkerId, from: $from, to: $to, excludeBookingId: $excludeBookingId) {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsCreate($input: CreateBookingInput!) {\n    createBooking(input: $input) {\n      id\n      ...BookingFormBooking\n    }\n  }\n"): (typeof documents)["\n  mutation BookingsCreate($input: CreateBookingInput!) {\n    createBooking(input: $input) {\n      id\n      ...BookingFormBooking\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsUpdate($id: ID!, $input: UpdateBookingInput!) {\n    updateBooking(id: $id, input: $input) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n"): (typeof documents)["\n  mutation BookingsUpdate($id: ID!, $input: UpdateBookingInput!) {\n    updateBooking(id: $id, input: $input) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsReschedule($id: ID!, $startAt: Time!, $endAt: Time!, $timeZone: String) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt, timeZone: $timeZone) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n"): (typeof documents)["\n  mutation BookingsReschedule($id: ID!, $startAt: Time!, $endAt: Time!, $timeZone: String) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt, timeZone: $timeZone) {\n      id\n      ...BookingFormBooking\n      ...BookingConflictsBooking\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      ...MovedOccurrencesBooking\n      ...BookingConflictsBooking\n    }\n  }\n"): (typeof documents)["\n  mutation BookingsMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      ...MovedOccurrencesBooking\n      ...BookingConflictsBooking\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsCancel($id: ID!, $reason: String) {\n    cancelBooking(id: $id, reason: $reason) {\n      id\n      cancelledAt\n      cancelReason\n      status {\n        id\n        name\n      }\n      ...BookingFormBooking\n    }\n  }\n"): (typeof documents)["\n  mutation BookingsCancel($id: ID!, $reason: String) {\n    cancelBooking(id: $id, reason: $reason) {\n      id\n      cancelledAt\n      cancelReason\n      status {\n        id\n        name\n      }\n      ...BookingFormBooking\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsDelete($id: ID!) {\n    deleteBooking(id: $id)\n  }\n"): (typeof documents)["\n  mutation BookingsDelete($id: ID!) {\n    deleteBooking(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsSetPublished($ids: [ID!]!, $published: Boolean!) {\n    setBookingsPublished(ids: $ids, published: $published) {\n      id\n      published\n    }\n  }\n"): (typeof documents)["\n  mutation BookingsSetPublished($ids: [ID!]!, $published: Boolean!) {\n    setBookingsPublished(ids: $ids, published: $published) {\n      id\n      published\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookingsMassModify($input: MassModifyBookingsInput!) {\n    massModifyBookings(input: $input) {\n      count\n      bookings {\n        id\n        ...BookingsTableRow\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation BookingsMassModify($input: MassModifyBookingsInput!) {\n    massModifyBookings(input: $input) {\n      count\n      bookings {\n        id\n        ...BookingsTableRow\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BookingFormBooking on Booking {\n    id\n    updatedAt\n    title\n    startAt\n    endAt\n    timeZone\n    recurrence\n    published\n    statusID\n    typeID\n    hosts {\n      id\n      name\n    }\n    customerName\n    customerBusinessName\n    customerEmail\n    customerPhone\n    addresses\n    suburb\n    serviceName\n    serviceDescription\n    amount\n    currency\n    customProperties\n    sessionLink\n  }\n"): (typeof documents)["\n  fragment BookingFormBooking on Booking {\n    id\n    updatedAt\n    title\n    startAt\n    endAt\n    timeZone\n    recurrence\n    published\n    statusID\n    typeID\n    hosts {\n      id\n      name\n    }\n    customerName\n    customerBusinessName\n    customerEmail\n    customerPhone\n    addresses\n    suburb\n    serviceName\n    serviceDescription\n    amount\n    currency\n    customProperties\n    sessionLink\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BookingsTableRow on Booking {\n    id\n    title\n    startAt\n    endAt\n    recurrence\n    published\n    cancelledAt\n    customerName\n    hosts {\n      id\n      name\n    }\n    status {\n      id\n      name\n      color\n    }\n    type {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment BookingsTableRow on Booking {\n    id\n    title\n    startAt\n    endAt\n    recurrence\n    published\n    cancelledAt\n    customerName\n    hosts {\n      id\n      name\n    }\n    status {\n      id\n      name\n      color\n    }\n    type {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment BookingConflictsBooking on Booking {\n    id\n    timeZone\n    conflicts {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n      fieldworker {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment BookingConflictsBooking on Booking {\n    id\n    timeZone\n    conflicts {\n      id\n      kind\n      title\n      start\n      end\n      allDay\n      provider\n      fieldworker {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MovedOccurrencesBooking on Booking {\n    id\n    startAt\n    endAt\n    timeZone\n    movedOccurrences {\n      originalStart\n      startAt\n      endAt\n    }\n  }\n"): (typeof documents)["\n  fragment MovedOccurrencesBooking on Booking {\n    id\n    startAt\n    endAt\n    timeZone\n    movedOccurrences {\n      originalStart\n      startAt\n      endAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CalendarSyncPage {\n    viewer {\n      role\n      user {\n        id\n        timeZone\n        googleSync\n        microsoftSync\n        calendarSyncs {\n          ...CalendarSyncCard_sync\n        }\n      }\n    }\n    organization {\n      id\n      providerConfigs {\n        id\n        provider\n        enabled\n        usersCanOverride\n      }\n    }\n  }\n"): (typeof documents)["\n  query CalendarSyncPage {\n    viewer {\n      role\n      user {\n        id\n        timeZone\n        googleSync\n        microsoftSync\n        calendarSyncs {\n          ...CalendarSyncCard_sync\n        }\n      }\n    }\n    organization {\n      id\n      providerConfigs {\n        id\n        provider\n        enabled\n        usersCanOverride\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CalendarSyncAccountChanged($userId: ID) {\n    calendarAccountChanged(userId: $userId) {\n      accountId\n      status\n      lastError\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription CalendarSyncAccountChanged($userId: ID) {\n    calendarAccountChanged(userId: $userId) {\n      accountId\n      status\n      lastError\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CalendarSyncCalendars_account on CalendarAccount {\n    id\n    destinationCalendarID\n    calendars {\n      id\n      calendarID\n      name\n      primary\n      selected\n      accessRole\n      lastReadError\n    }\n  }\n"): (typeof documents)["\n  fragment CalendarSyncCalendars_account on CalendarAccount {\n    id\n    destinationCalendarID\n    calendars {\n      id\n      calendarID\n      name\n      primary\n      selected\n      accessRole\n      lastReadError\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSyncSelectCalendars($provider: Provider!, $calendarIds: [ID!]!) {\n    selectImportedCalendars(provider: $provider, calendarIds: $calendarIds) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSyncSelectCalendars($provider: Provider!, $calendarIds: [ID!]!) {\n    selectImportedCalendars(provider: $provider, calendarIds: $calendarIds) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSyncRefreshCalendars($provider: Provider!) {\n    refreshCalendars(provider: $provider) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSyncRefreshCalendars($provider: Provider!) {\n    refreshCalendars(provider: $provider) {\n      id\n      ...CalendarSyncCalendars_account\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CalendarSyncCard_sync on CalendarSync {\n    provider\n    enabled\n    reason\n    credentialMode\n    action\n    account {\n      id\n      accountEmail\n      status\n      lastError\n      lastSyncedAt\n      syncRuns(first: 1, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges {\n          node {\n            id\n            state\n            total\n            done\n          }\n        }\n      }\n      ...CalendarSyncCalendars_account\n    }\n  }\n"): (typeof documents)["\n  fragment CalendarSyncCard_sync on CalendarSync {\n    provider\n    enabled\n    reason\n    credentialMode\n    action\n    account {\n      id\n      accountEmail\n      status\n      lastError\n      lastSyncedAt\n      syncRuns(first: 1, orderBy: { field: CREATED_AT, direction: DESC }) {\n        edges {\n          node {\n            id\n            state\n            total\n            done\n          }\n        }\n      }\n      ...CalendarSyncCalendars_account\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSyncStartLink($provider: Provider!) {\n    startCalendarLink(provider: $provider) {\n      url\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSyncStartLink($provider: Provider!) {\n    startCalendarLink(provider: $provider) {\n      url\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSyncEnableService($provider: Provider!) {\n    enableServiceAccountSync(provider: $provider) {\n      error\n      account {\n        id\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSyncEnableService($provider: Provider!) {\n    enableServiceAccountSync(provider: $provider) {\n      error\n      account {\n        id\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSyncResync($provider: Provider!) {\n    resyncCalendar(provider: $provider) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSyncResync($provider: Provider!) {\n    resyncCalendar(provider: $provider) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSyncUnlink($provider: Provider!) {\n    unlinkCalendar(provider: $provider) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSyncUnlink($provider: Provider!) {\n    unlinkCalendar(provider: $provider) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSyncSetChoice($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      googleSync\n      microsoftSync\n      calendarSyncs {\n        ...CalendarSyncCard_sync\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSyncSetChoice($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      googleSync\n      microsoftSync\n      calendarSyncs {\n        ...CalendarSyncCard_sync\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CalendarSyncProgress($userId: ID) {\n    syncStatusChanged(userId: $userId) {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription CalendarSyncProgress($userId: ID) {\n    syncStatusChanged(userId: $userId) {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CalendarInvitationUser on User {\n    id\n    name\n    email\n    calendarSyncs {\n      provider\n      enabled\n      action\n      account {\n        id\n        status\n        accountEmail\n      }\n      lastInvitation {\n        id\n        createdAt\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment CalendarInvitationUser on User {\n    id\n    name\n    email\n    calendarSyncs {\n      provider\n      enabled\n      action\n      account {\n        id\n        status\n        accountEmail\n      }\n      lastInvitation {\n        id\n        createdAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CalendarInvitationUser($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on User {\n        ...CalendarInvitationUser\n      }\n    }\n  }\n"): (typeof documents)["\n  query CalendarInvitationUser($id: ID!) {\n    node(id: $id) {\n      __typename\n      ... on User {\n        ...CalendarInvitationUser\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarSendInvitation($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarSendInvitation($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CalendarLegendFields on CalendarLegend {\n    booking\n    recurringBooking\n    google\n    microsoft\n  }\n"): (typeof documents)["\n  fragment CalendarLegendFields on CalendarLegend {\n    booking\n    recurringBooking\n    google\n    microsoft\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CalendarEntryFields on CalendarEntry {\n    kind\n    id\n    start\n    end\n    allDay\n    title\n    busy\n    color\n    recurring\n    originalStart\n    webLink\n    provider\n    booking {\n      id\n    }\n    fieldworker {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment CalendarEntryFields on CalendarEntry {\n    kind\n    id\n    start\n    end\n    allDay\n    title\n    busy\n    color\n    recurring\n    originalStart\n    webLink\n    provider\n    booking {\n      id\n    }\n    fieldworker {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CalendarView($from: Time!, $to: Time!, $fieldworkerIds: [ID!]) {\n    calendarView(from: $from, to: $to, fieldworkerIds: $fieldworkerIds) {\n      from\n      to\n      entries {\n        ...CalendarEntryFields\n      }\n      legend {\n        ...CalendarLegendFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query CalendarView($from: Time!, $to: Time!, $fieldworkerIds: [ID!]) {\n    calendarView(from: $from, to: $to, fieldworkerIds: $fieldworkerIds) {\n      from\n      to\n      entries {\n        ...CalendarEntryFields\n      }\n      legend {\n        ...CalendarLegendFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CalendarFieldworkers {\n    fieldworkers(active: true, first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query CalendarFieldworkers {\n    fieldworkers(active: true, first: 500) {\n      edges {\n        node {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarReschedule($id: ID!, $startAt: Time!, $endAt: Time!) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt) {\n      id\n      startAt\n      endAt\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarReschedule($id: ID!, $startAt: Time!, $endAt: Time!) {\n    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt) {\n      id\n      startAt\n      endAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CalendarMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      movedOccurrences {\n        originalStart\n        startAt\n        endAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CalendarMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {\n    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {\n      id\n      movedOccurrences {\n        originalStart\n        startAt\n        endAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CalendarBookingChanged {\n    bookingChanged {\n      kind\n      bookingId\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription CalendarBookingChanged {\n    bookingChanged {\n      kind\n      bookingId\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CalendarExternalEventsChanged {\n    externalEventsChanged {\n      fieldworkerId\n      calendarId\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription CalendarExternalEventsChanged {\n    externalEventsChanged {\n      fieldworkerId\n      calendarId\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConflictCard on SyncConflict {\n    id\n    state\n    provider\n    createdAt\n    resolution\n    resolvedAt\n    calsyncChanged\n    providerChanged\n    occurrenceStart\n    booking {\n      id\n      title\n    }\n    user {\n      id\n      name\n    }\n    resolvedBy {\n      id\n      name\n    }\n    calsyncVersion {\n      ...EventVersionFields\n    }\n    providerVersion {\n      ...EventVersionFields\n    }\n  }\n"): (typeof documents)["\n  fragment ConflictCard on SyncConflict {\n    id\n    state\n    provider\n    createdAt\n    resolution\n    resolvedAt\n    calsyncChanged\n    providerChanged\n    occurrenceStart\n    booking {\n      id\n      title\n    }\n    user {\n      id\n      name\n    }\n    resolvedBy {\n      id\n      name\n    }\n    calsyncVersion {\n      ...EventVersionFields\n    }\n    providerVersion {\n      ...EventVersionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EventVersionFields on EventVersion {\n    title\n    location\n    description\n    start\n    end\n    allDay\n    deleted\n  }\n"): (typeof documents)["\n  fragment EventVersionFields on EventVersion {\n    title\n    location\n    description\n    start\n    end\n    allDay\n    deleted\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResolveConflict($id: ID!, $keep: SyncConflictResolution!) {\n    resolveSyncConflict(id: $id, keep: $keep) {\n      id\n      ...ConflictCard\n    }\n  }\n"): (typeof documents)["\n  mutation ResolveConflict($id: ID!, $keep: SyncConflictResolution!) {\n    resolveSyncConflict(id: $id, keep: $keep) {\n      id\n      ...ConflictCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConflictsPage($state: SyncConflictState!) {\n    syncConflicts(first: 50, where: { state: $state }) {\n      totalCount\n      edges {\n        node {\n          id\n          ...ConflictCard\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConflictsPage($state: SyncConflictState!) {\n    syncConflicts(first: 50, where: { state: $state }) {\n      totalCount\n      edges {\n        node {\n          id\n          ...ConflictCard\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConflictChanged {\n    syncConflictChanged {\n      conflictId\n      state\n    }\n  }\n"): (typeof documents)["\n  subscription ConflictChanged {\n    syncConflictChanged {\n      conflictId\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FieldworkersPage($active: Boolean, $after: Cursor) {\n    fieldworkers(first: 100, after: $after, active: $active) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          ...FieldworkersRow_user\n        }\n      }\n    }\n    organization {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query FieldworkersPage($active: Boolean, $after: Cursor) {\n    fieldworkers(first: 100, after: $after, active: $active) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          ...FieldworkersRow_user\n        }\n      }\n    }\n    organization {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FieldworkersSyncProgress {\n    syncStatusChanged {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription FieldworkersSyncProgress {\n    syncStatusChanged {\n      accountId\n      state\n      total\n      done\n      account {\n        id\n        status\n        lastError\n        lastSyncedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FieldworkersAccountChanged {\n    calendarAccountChanged {\n      accountId\n      status\n    }\n  }\n"): (typeof documents)["\n  subscription FieldworkersAccountChanged {\n    calendarAccountChanged {\n      accountId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FieldworkersSetSync($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n"): (typeof documents)["\n  mutation FieldworkersSetSync($userId: ID!, $provider: Provider!, $enabled: Boolean) {\n    setCalendarSync(userId: $userId, provider: $provider, enabled: $enabled) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FieldworkersResync($provider: Provider!, $userId: ID!) {\n    resyncCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n"): (typeof documents)["\n  mutation FieldworkersResync($provider: Provider!, $userId: ID!) {\n    resyncCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n      lastError\n      lastSyncedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FieldworkersUnlink($provider: Provider!, $userId: ID!) {\n    unlinkCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation FieldworkersUnlink($provider: Provider!, $userId: ID!) {\n    unlinkCalendar(provider: $provider, userId: $userId) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FieldworkersDeactivate($id: ID!) {\n    deactivateUser(id: $id) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n"): (typeof documents)["\n  mutation FieldworkersDeactivate($id: ID!) {\n    deactivateUser(id: $id) {\n      id\n      ...FieldworkersRow_user\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FieldworkersSendAuthorization($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n      createdAt\n      expiresAt\n      userID\n    }\n  }\n"): (typeof documents)["\n  mutation FieldworkersSendAuthorization($provider: Provider!, $userIds: [ID!]!) {\n    sendAuthorizationEmails(provider: $provider, userIds: $userIds) {\n      id\n      createdAt\n      expiresAt\n      userID\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FieldworkersOutbox {\n    outbox(first: 20) {\n      edges {\n        node {\n          id\n          createdAt\n          to\n          subject\n          body\n          kind\n          state\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query FieldworkersOutbox {\n    outbox(first: 20) {\n      edges {\n        node {\n          id\n          createdAt\n          to\n          subject\n          body\n          kind\n          state\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment FieldworkersRow_user on User {\n    id\n    name\n    email\n    active\n    calendarSyncs {\n      provider\n      enabled\n      reason\n      credentialMode\n      action\n      account {\n        id\n        accountEmail\n        status\n        lastError\n        lastSyncedAt\n      }\n      lastInvitation {\n        id\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment FieldworkersRow_user on User {\n    id\n    name\n    email\n    active\n    calendarSyncs {\n      provider\n      enabled\n      reason\n      credentialMode\n      action\n      account {\n        id\n        accountEmail\n        status\n        lastError\n        lastSyncedAt\n      }\n      lastInvitation {\n        id\n        createdAt\n        expiresAt\n        usedAt\n        revokedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OutboxMessageDetail on EmailMessage {\n    id\n    to\n    subject\n    body\n    htmlBody\n    kind\n    state\n    attempts\n    lastError\n    createdAt\n    sentAt\n  }\n"): (typeof documents)["\n  fragment OutboxMessageDetail on EmailMessage {\n    id\n    to\n    subject\n    body\n    htmlBody\n    kind\n    state\n    attempts\n    lastError\n    createdAt\n    sentAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OutboxMessageRow on EmailMessage {\n    id\n    to\n    subject\n    state\n    createdAt\n    sentAt\n  }\n"): (typeof documents)["\n  fragment OutboxMessageRow on EmailMessage {\n    id\n    to\n    subject\n    state\n    createdAt\n    sentAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OutboxPage($after: Cursor) {\n    outbox(first: 20, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...OutboxMessageRow\n          ...OutboxMessageDetail\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query OutboxPage($after: Cursor) {\n    outbox(first: 20, after: $after) {\n      totalCount\n      edges {\n        node {\n          id\n          ...OutboxMessageRow\n          ...OutboxMessageDetail\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SettingsBookingStatus on BookingStatus {\n    id\n    name\n    color\n    description\n    pushToCalendar\n    deleteFromCalendar\n  }\n"): (typeof documents)["\n  fragment SettingsBookingStatus on BookingStatus {\n    id\n    name\n    color\n    description\n    pushToCalendar\n    deleteFromCalendar\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsCreateBookingStatus($input: CreateBookingStatusInput!) {\n    createBookingStatus(input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsCreateBookingStatus($input: CreateBookingStatusInput!) {\n    createBookingStatus(input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsUpdateBookingStatus($id: ID!, $input: UpdateBookingStatusInput!) {\n    updateBookingStatus(id: $id, input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsUpdateBookingStatus($id: ID!, $input: UpdateBookingStatusInput!) {\n    updateBookingStatus(id: $id, input: $input) {\n      ...SettingsBookingStatus\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsDeleteBookingStatus($id: ID!) {\n    deleteBookingStatus(id: $id)\n  }\n"): (typeof documents)["\n  mutation SettingsDeleteBookingStatus($id: ID!) {\n    deleteBookingStatus(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SettingsBookingType on BookingType {\n    id\n    name\n    syncToCalendar\n    personal\n    default\n    unavailable\n  }\n"): (typeof documents)["\n  fragment SettingsBookingType on BookingType {\n    id\n    name\n    syncToCalendar\n    personal\n    default\n    unavailable\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsCreateBookingType($input: CreateBookingTypeInput!) {\n    createBookingType(input: $input) {\n      ...SettingsBookingType\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsCreateBookingType($input: CreateBookingTypeInput!) {\n    createBookingType(input: $input) {\n      ...SettingsBookingType\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsUpdateBookingType($id: ID!, $input: UpdateBookingTypeInput!) {\n    updateBookingType(id: $id, input: $input) {\n      ...SettingsBookingType\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsUpdateBookingType($id: ID!, $input: UpdateBookingTypeInput!) {\n    updateBookingType(id: $id, input: $input) {\n      ...SettingsBookingType\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsDeleteBookingType($id: ID!) {\n    deleteBookingType(id: $id)\n  }\n"): (typeof documents)["\n  mutation SettingsDeleteBookingType($id: ID!) {\n    deleteBookingType(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SettingsOrganization on Organization {\n    id\n    name\n    defaultTimeZone\n    primaryColor\n    secondaryColor\n    googleEventColor\n    microsoftEventColor\n    cancellationStatusID\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment SettingsOrganization on Organization {\n    id\n    name\n    defaultTimeZone\n    primaryColor\n    secondaryColor\n    googleEventColor\n    microsoftEventColor\n    cancellationStatusID\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsUpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      ...SettingsOrganization\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsUpdateOrganization($input: UpdateOrganizationInput!) {\n    updateOrganization(input: $input) {\n      ...SettingsOrganization\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsSetCancellationStatus($statusId: ID!) {\n    setCancellationStatus(statusId: $statusId) {\n      ...SettingsOrganization\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsSetCancellationStatus($statusId: ID!) {\n    setCancellationStatus(statusId: $statusId) {\n      ...SettingsOrganization\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SettingsProviderConfig on ProviderConfig {\n    id\n    provider\n    enabled\n    usersCanOverride\n    credentialMode\n    destination\n    syncDirection\n    unlinkPolicy\n    clientID\n    serviceAccountEmail\n    msTenantID\n    hasClientSecret\n    hasServiceAccountKey\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment SettingsProviderConfig on ProviderConfig {\n    id\n    provider\n    enabled\n    usersCanOverride\n    credentialMode\n    destination\n    syncDirection\n    unlinkPolicy\n    clientID\n    serviceAccountEmail\n    msTenantID\n    hasClientSecret\n    hasServiceAccountKey\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsUpdateProviderConfig($input: UpdateProviderConfigInput!) {\n    updateProviderConfig(input: $input) {\n      ...SettingsProviderConfig\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsUpdateProviderConfig($input: UpdateProviderConfigInput!) {\n    updateProviderConfig(input: $input) {\n      ...SettingsProviderConfig\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SettingsTestProviderConnection($provider: Provider!) {\n    testProviderConnection(provider: $provider) {\n      ok\n      message\n    }\n  }\n"): (typeof documents)["\n  mutation SettingsTestProviderConnection($provider: Provider!) {\n    testProviderConnection(provider: $provider) {\n      ok\n      message\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SettingsPage {\n    organization {\n      id\n      cancellationStatusID\n      ...SettingsOrganization\n      providerConfigs {\n        id\n        provider\n        ...SettingsProviderConfig\n      }\n    }\n    bookingStatuses {\n      id\n      ...SettingsBookingStatus\n    }\n    bookingTypes {\n      id\n      ...SettingsBookingType\n    }\n  }\n"): (typeof documents)["\n  query SettingsPage {\n    organization {\n      id\n      cancellationStatusID\n      ...SettingsOrganization\n      providerConfigs {\n        id\n        provider\n        ...SettingsProviderConfig\n      }\n    }\n    bookingStatuses {\n      id\n      ...SettingsBookingStatus\n    }\n    bookingTypes {\n      id\n      ...SettingsBookingType\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;