// Command autodeploy serves a git repository's files and keeps them
// current: a push goes live when the repository's webhook calls, or at the
// next poll.
//
//	go run ./examples/autodeploy -repo https://github.com/you/site.git -branch main \
//		-dest ./deploy -listen localhost:2015 -interval 1m \
//		-hook /_deploy -secret "$(cat hook-secret)"
//
// The first clone happens before the server listens. -dest is the folder
// package gitsync owns (it must be absent, empty or an earlier -dest of
// the same repository); every revision is checked out into a fresh folder
// and switched to atomically, so a request never sees half a deploy.
// Requests go through logger (Combined, to standard output), gzip and
// browse, with listings for folders without an index page.
//
// The webhook is served at -hook (POST) when a secret is given with
// -secret or the AUTODEPLOY_SECRET variable; without one it stays off and
// only polling deploys. Point the repository's push webhook there with the
// same secret: GitHub (X-Hub-Signature-256), GitLab (X-Gitlab-Token),
// Gitea and Gogs deliveries are verified, and so is a generic
// "Authorization: Bearer <secret>":
//
//	curl -X POST -H "Authorization: Bearer $(cat hook-secret)" http://127.0.0.1:2015/_deploy
//
// -interval is the polling period; 0 turns polling off. SIGINT and SIGTERM
// shut down gracefully; the deployed revision stays in -dest and is served
// at once by the next start.
package main
