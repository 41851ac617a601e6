package google

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"calsync/internal/linking"
)

// calendarService is a Calendar API client whose requests carry tokens
// from ts over the configured HTTP client.
func (c *Client) calendarService(ctx context.Context, ts oauth2.TokenSource) (*calendar.Service, error) {
	hc, err := c.apiHTTPClient(ctx, ts)
	if err != nil {
		return nil, err
	}
	return c.calendarServiceWith(ctx, hc)
}

// apiHTTPClient is the configured HTTP client under an OAuth transport
// that adds tokens from ts (refreshing them through the configured
// client).
func (c *Client) apiHTTPClient(ctx context.Context, ts oauth2.TokenSource) (*http.Client, error) {
	if ts == nil {
		return nil, errors.New("no token source")
	}
	hc := oauth2.NewClient(c.oauthContext(ctx), ts)
	hc.Timeout = c.http.Timeout
	return hc, nil
}

// calendarServiceWith is a Calendar API client sending over hc.
func (c *Client) calendarServiceWith(ctx context.Context, hc *http.Client) (*calendar.Service, error) {
	svc, err := calendar.NewService(ctx, option.WithEndpoint(c.endpoints.CalendarAPI), option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("calendar service: %w", err)
	}
	return svc, nil
}

// callOptions passes quotaUser for calls made for a user through a
// service account, so each user's quota is counted apart.
func callOptions(userEmail string) []googleapi.CallOption {
	if userEmail == "" {
		return nil
	}
	return []googleapi.CallOption{googleapi.QuotaUser(userEmail)}
}

// Calendars lists the calendars in the account's calendar list, primary
// first as Google returns them. ts speaks for the account: a user's OAuth
// token, or a service token impersonating userEmail (which is then sent as
// quotaUser). A token without calendar access wraps
// linking.ErrMissingScope.
func (c *Client) Calendars(ctx context.Context, ts oauth2.TokenSource, userEmail string) ([]linking.Calendar, error) {
	svc, err := c.calendarService(ctx, ts)
	if err != nil {
		return nil, fmt.Errorf("google: list calendars: %w", err)
	}
	opts := callOptions(userEmail)
	var out []linking.Calendar
	pageToken := ""
	for {
		call := svc.CalendarList.List().Context(ctx).MaxResults(250)
		if pageToken != "" {
			call = call.PageToken(pageToken)
		}
		list, err := call.Do(opts...)
		if err != nil {
			return nil, apiError("list calendars", err)
		}
		for _, e := range list.Items {
			out = append(out, calendarFromEntry(e))
		}
		if list.NextPageToken == "" || list.NextPageToken == pageToken {
			return out, nil
		}
		pageToken = list.NextPageToken
	}
}

func calendarFromEntry(e *calendar.CalendarListEntry) linking.Calendar {
	name := e.SummaryOverride
	if name == "" {
		name = e.Summary
	}
	return linking.Calendar{
		ID:         e.Id,
		Name:       name,
		Primary:    e.Primary,
		Color:      e.BackgroundColor,
		CanWrite:   e.AccessRole == "owner" || e.AccessRole == "writer",
		AccessRole: e.AccessRole,
	}
}

// CreateCalendar creates a secondary calendar named name in timeZone (an
// IANA name; empty means the account's zone) with calendars.insert. The
// creator owns it, so it is writable; Google gives it a colour only in
// the calendar list, so Color is left empty.
func (c *Client) CreateCalendar(ctx context.Context, ts oauth2.TokenSource, userEmail, name, timeZone string) (linking.Calendar, error) {
	if strings.TrimSpace(name) == "" {
		return linking.Calendar{}, errors.New("google: create calendar: the name is empty")
	}
	svc, err := c.calendarService(ctx, ts)
	if err != nil {
		return linking.Calendar{}, fmt.Errorf("google: create calendar: %w", err)
	}
	created, err := svc.Calendars.Insert(&calendar.Calendar{Summary: name, TimeZone: timeZone}).Context(ctx).Do(callOptions(userEmail)...)
	if err != nil {
		return linking.Calendar{}, apiError("create calendar", err)
	}
	return linking.Calendar{ID: created.Id, Name: created.Summary, CanWrite: true}, nil
}
