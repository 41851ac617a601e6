import { graphql } from '@/gql';

// The feature's queries and mutations; the fragments live with the
// components that render them.

export const BookingsListQuery = graphql(`
  query BookingsList(
    $from: Time!
    $to: Time!
    $fieldworkerId: ID
    $includeCancelled: Boolean
    $after: Cursor
    $where: BookingWhereInput
  ) {
    bookings(
      from: $from
      to: $to
      fieldworkerId: $fieldworkerId
      includeCancelled: $includeCancelled
      # A literal, not a variable: the server reads Int variables of GET
      # requests (urql's default for short queries) as floats and refuses them.
      first: 50
      after: $after
      orderBy: { field: START_AT, direction: ASC }
      where: $where
    ) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          ...BookingsTableRow
        }
      }
    }
  }
`);

export const BookingsOptionsQuery = graphql(`
  query BookingsOptions {
    bookingStatuses {
      id
      name
      color
    }
    bookingTypes {
      id
      name
      default
    }
  }
`);

export const BookingsFieldworkersQuery = graphql(`
  query BookingsFieldworkers {
    fieldworkers(active: true, first: 200) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

export const BookingsBookingQuery = graphql(`
  query BookingsBooking($id: ID!) {
    node(id: $id) {
      __typename
      ... on Booking {
        id
        updatedAt
        title
        cancelledAt
        cancelReason
        madeAtProvider
        status {
          id
          name
        }
        ...BookingFormBooking
        ...BookingConflictsBooking
        ...MovedOccurrencesBooking
      }
    }
  }
`);

export const BookingsOverlapsQuery = graphql(`
  query BookingsOverlaps($fieldworkerId: ID!, $from: Time!, $to: Time!, $excludeBookingId: ID) {
    overlaps(fieldworkerId: $fieldworkerId, from: $from, to: $to, excludeBookingId: $excludeBookingId) {
      id
      kind
      title
      start
      end
      allDay
      provider
    }
  }
`);

export const BookingsCreateMutation = graphql(`
  mutation BookingsCreate($input: CreateBookingInput!) {
    createBooking(input: $input) {
      id
      ...BookingFormBooking
    }
  }
`);

export const BookingsUpdateMutation = graphql(`
  mutation BookingsUpdate($id: ID!, $input: UpdateBookingInput!) {
    updateBooking(id: $id, input: $input) {
      id
      ...BookingFormBooking
      ...BookingConflictsBooking
    }
  }
`);

export const BookingsRescheduleMutation = graphql(`
  mutation BookingsReschedule($id: ID!, $startAt: Time!, $endAt: Time!, $timeZone: String) {
    rescheduleBooking(id: $id, startAt: $startAt, endAt: $endAt, timeZone: $timeZone) {
      id
      ...BookingFormBooking
      ...BookingConflictsBooking
    }
  }
`);

// Not BookingFormBooking: its updatedAt keys the form, and a move changes
// none of the form's fields (unsaved edits stay). The conflicts follow the
// occurrence to its new time.
export const BookingsMoveOccurrenceMutation = graphql(`
  mutation BookingsMoveOccurrence($bookingId: ID!, $originalStart: Time!, $startAt: Time!, $endAt: Time!) {
    moveOccurrence(bookingId: $bookingId, originalStart: $originalStart, startAt: $startAt, endAt: $endAt) {
      id
      ...MovedOccurrencesBooking
      ...BookingConflictsBooking
    }
  }
`);

export const BookingsCancelMutation = graphql(`
  mutation BookingsCancel($id: ID!, $reason: String) {
    cancelBooking(id: $id, reason: $reason) {
      id
      cancelledAt
      cancelReason
      status {
        id
        name
      }
      ...BookingFormBooking
    }
  }
`);

export const BookingsDeleteMutation = graphql(`
  mutation BookingsDelete($id: ID!) {
    deleteBooking(id: $id)
  }
`);

export const BookingsSetPublishedMutation = graphql(`
  mutation BookingsSetPublished($ids: [ID!]!, $published: Boolean!) {
    setBookingsPublished(ids: $ids, published: $published) {
      id
      published
    }
  }
`);

export const BookingsMassModifyMutation = graphql(`
  mutation BookingsMassModify($input: MassModifyBookingsInput!) {
    massModifyBookings(input: $input) {
      count
      bookings {
        id
        ...BookingsTableRow
      }
    }
  }
`);
