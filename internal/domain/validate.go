package domain

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"calsync/internal/recurrence"
)

// ValidateTimeZone accepts IANA zone names ("Europe/Helsinki", "UTC").
func ValidateTimeZone(tz string) error {
	if tz == "" {
		return errors.New("time zone is required")
	}
	if tz == "Local" {
		return fmt.Errorf("unknown time zone %q", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("unknown time zone %q", tz)
	}
	return nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ValidateColor accepts "#rrggbb".
func ValidateColor(c string) error {
	if !colorRE.MatchString(c) {
		return fmt.Errorf("colour %q must look like #1a73e8", c)
	}
	return nil
}

// ValidateEmail accepts a bare address (no display name).
func ValidateEmail(e string) error {
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") && !strings.HasSuffix(e, "@localhost") {
		return fmt.Errorf("%q is not a valid email address", e)
	}
	return nil
}

// NormalizeEmail lower-cases and trims an address for storage and lookup.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// ValidateRRule accepts an RFC 5545 RRULE value, with or without the
// "RRULE:" prefix, as providers store it, when every calendar Calsync
// pushes to can carry it (recurrence.Parse: the same check the Outlook
// adapter maps the rule with). DTSTART is not part of it: the booking's
// start is the series start.
func ValidateRRule(s string) error {
	if s == "" {
		return nil
	}
	_, err := recurrence.Parse(s)
	return err
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidateCurrency accepts ISO 4217 alphabetic codes.
func ValidateCurrency(c string) error {
	if !currencyRE.MatchString(c) {
		return fmt.Errorf("currency %q must be an ISO 4217 code such as EUR", c)
	}
	return nil
}

var amountRE = regexp.MustCompile(`^-?\d{1,12}(\.\d{1,4})?$`)

// ValidateAmount accepts a decimal amount such as "120.50".
func ValidateAmount(a string) error {
	if !amountRE.MatchString(a) {
		return fmt.Errorf("amount %q must be a decimal number such as 120.50", a)
	}
	return nil
}

// MaxAddresses is how many addresses a booking holds.
const MaxAddresses = 3

// ValidateAddresses accepts up to three non-empty addresses.
func ValidateAddresses(a []string) error {
	if len(a) > MaxAddresses {
		return fmt.Errorf("a booking holds at most %d addresses, got %d", MaxAddresses, len(a))
	}
	for _, s := range a {
		if strings.TrimSpace(s) == "" {
			return errors.New("addresses must not be empty")
		}
		if len(s) > 500 {
			return errors.New("an address is at most 500 characters")
		}
	}
	return nil
}
