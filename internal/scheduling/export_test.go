package scheduling

// Load is a booking and its hosts' ids read for a change, in one statement.
var Load = load
