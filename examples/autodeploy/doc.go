// Command autodeploy serves a git repository's files and keeps them
// current: a push goes live when the repository's webhook calls, or at the
// next poll.
//
//	go run ./examples/autodeploy -repo https://github.com/you/site.git -branch main \
//		-dest ./deploy -listen localhost:2015 -interval 1m \
//		-hook /_deploy -secret "$(cat hook-secret)" \
//		-then 'hugo --minify -d public'
//
// -dest is the folder package gitsync owns (it must be absent, empty or an
// earlier -dest of the same repository); every revision is checked out
// into a fresh folder and switched to atomically, so a request never sees
// half a deploy. Requests go through logger (Combined, to standard
// output), gzip and browse, with listings for folders without an index
// page.
//
// With nothing in -dest yet, the first clone happens before the server
// listens, and the command exits if it fails. With a revision already in
// -dest (a restart), that revision is served at once and the sync runs in
// the background, so the site comes up while the remote is down: a failed
// sync is logged, shown at -status, and retried with backoff (1s doubling
// up to -interval, at most 5m) until the remote is back.
//
// -then is a command line run by /bin/sh -c in each new revision's folder
// before it goes live (as Caddy's git "then"), with GITSYNC_HASH set to
// the commit: a build step. The revision goes live only when it exits 0
// within -then-timeout; otherwise the last good revision stays served and
// the sync is retried on the same backoff.
//
// -status (default /_status) serves the deploy status as JSON: the
// revision served, the ref, the last sync and, after a failure, its kind,
// with status 503 so a health check sees it. "" turns it off.
//
// The webhook is served at -hook (POST) when a secret is given with
// -secret or the AUTODEPLOY_SECRET variable; without one it stays off and
// only polling deploys. Point the repository's push webhook there with the
// same secret: GitHub (X-Hub-Signature-256, JSON or form content type),
// GitLab (X-Gitlab-Token), Gitea and Gogs deliveries are verified, and so
// is a generic "Authorization: Bearer <secret>":
//
//	curl -X POST -H "Authorization: Bearer $(cat hook-secret)" http://127.0.0.1:2015/_deploy
//
// Without -branch, the remote's default branch is deployed, and pushes to
// other branches are ignored.
//
// -interval is the polling period; 0 turns polling off. The server has
// the timeouts of examples/caddy: a client that drips its request headers
// (10s), a request body that stops moving (64 KiB per 60s of waiting) or a
// client that stops reading the response (64 KiB per 60s) is closed, as is
// an idle keep-alive connection (2m); request heads are limited to 1 MiB.
// A large download to a slow client is never cut off while it moves.
// Change them with -header-timeout, -body-timeout, -write-timeout,
// -idle-timeout and -max-header-bytes. SIGINT and SIGTERM shut down
// gracefully; the deployed revision stays in -dest and is served at once
// by the next start.
package main
