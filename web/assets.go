package web

import "embed"

// assets are the pages: the agent console, the dashboard, the run report
// and the admin page, as plain ES modules and CSS. Nothing is fetched from
// the internet and nothing needs building.
//
//go:embed assets
var assets embed.FS
