// Package systime holds the members of System.DateTime, TimeSpan,
// DateTimeOffset and Guid for policy expressions (construction, arithmetic,
// properties, Parse, ParseExact and TryParse), and TimeZoneInfo, DayOfWeek,
// DateTimeStyles and Convert.ToDateTime. The values themselves, their type
// descriptors and their formatting are dotnet's core, which needs them; this
// package adds the members from init, and package expressions imports it for
// that (see dotnet's package doc).
package systime
