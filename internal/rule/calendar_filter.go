package rule

import (
	"calsync/ent/calendaraccount"
	"calsync/ent/predicate"
	"calsync/ent/providercalendar"
	"calsync/ent/user"
)

func providerCalendarOfUser(userID int) predicate.ProviderCalendar {
	return providercalendar.HasAccountWith(calendaraccount.HasUsersWith(user.ID(userID)))
}
