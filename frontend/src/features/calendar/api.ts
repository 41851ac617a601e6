import { graphql } from '@/gql';

// The page's operations. Components declare the fragments they render
// (CalendarEntryFields in model.ts, the legend and the invitation prompt in
// their own files); the page query spreads them.

export const CalendarEntryFieldsFragment = graphql(`
  fragment CalendarEntryFields on CalendarEntry {
    kind
    id
    start
    end
    allDay
    title
    busy
    color
    recurring
    originalStart
    webLink
    provider
    booking {
      id
    }
    fieldworker {
      id
      name
    }
  }
`);

export const CalendarViewDocument = graphql(`
  query CalendarView($from: Time!, $to: Time!, $fieldworkerIds: [ID!]) {
    calendarView(from: $from, to: $to, fieldworkerIds: $fieldworkerIds) {
      from
      to
      entries {
        ...CalendarEntryFields
      }
      legend {
        ...CalendarLegendFields
      }
    }
  }
`);

export const CalendarFieldworkersDocument = graphql(`
  query CalendarFieldworkers {
    fieldworkers(active: true, first: 500) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

export const CalendarRescheduleDocument = graphql(`
  mutation CalendarReschedule($id: ID!, $startAt: Time!, $endAt: Time!) {
    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt) {
      id
      startAt
      endAt
    }
  }
`);

// The booking's moved occurrences come back so graphcache updates an open
// booking page; the calendar itself refetches its entries.
export const CalendarMoveOccurrenceDocument = graphql(`
  mutation CalendarMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {
    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {
      id
      movedOccurrences {
        originalStart
        startAt
        endAt
      }
    }
  }
`);

export const CalendarBookingChangedDocument = graphql(`
  subscription CalendarBookingChanged {
    bookingChanged {
      kind
      bookingId
      at
    }
  }
`);

export const CalendarExternalEventsChangedDocument = graphql(`
  subscription CalendarExternalEventsChanged {
    externalEventsChanged {
      fieldworkerId
      calendarId
      at
    }
  }
`);
