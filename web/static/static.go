// Package static embeds the web assets: our CSS and JavaScript and the
// vendored htmx and ECharts (see vendor/VERSIONS), so nothing is loaded
// from outside the machine at run time.
package static

import "embed"

// FS holds app.css, app.js, favicon.svg and vendor/.
//
//go:embed app.css app.js favicon.svg map.css map.js vendor/*.js vendor/VERSIONS
var FS embed.FS
