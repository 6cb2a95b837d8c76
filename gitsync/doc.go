// Package gitsync keeps a git repository deployed in a folder, the way
// Caddy 0.7's git directive did, on github.com/go-git/go-git/v5 (no git
// binary needed): clone, then fetch on an interval or when a signed webhook
// says so, and switch atomically to each new revision.
//
//	s, err := gitsync.New(gitsync.Config{
//		URL:    "https://github.com/you/site.git",
//		Branch: "main",
//		Dest:   "/srv/site",
//		Then:   []string{"make", "site"}, // optional: builds each revision before it goes live
//	})
//	if err != nil { ... }
//	if err := s.Start(ctx); err != nil { ... } // clones (or serves what Dest holds), then polls hourly
//	defer s.Close()
//
//	hook, _ := s.Webhook(gitsync.WebhookConfig{Secret: os.Getenv("HOOK_SECRET")})
//	mux.Handle("POST /_deploy", httpmw.ToHTTP(hook))
//	mux.Handle("/", http.FileServer(http.Dir(s.Dir()))) // /srv/site/current
//
// # Layout and the atomic switch
//
// Dest belongs to gitsync. The repository (a bare store, shallow by
// default) is Dest/.git; each deployed revision is a fresh folder
// Dest/.worktrees/<commit>-<random> holding exactly the tracked files and no
// .git; Dest/current (Config.Link) is a relative symlink to one of them.
// A new revision is written completely into its own folder, then the link
// is replaced with rename(2), so every path lookup sees one whole revision,
// and a reader that resolved the link keeps a consistent folder. The
// previous revision stays for rollback (Status.Previous); older ones are
// removed. This is kubernetes git-sync's pattern. Files that did not change
// between two revisions, and were not touched locally, are hard links
// shared by both folders, which keeps an incremental update cheap: edit
// neither folder in place. (With Config.Then set, every file is written
// afresh, since Then may edit the new folder.)
//
// Config.Then runs in the new folder after its checkout and before the
// switch, so a build step finishes before anyone is served its revision,
// and a failed build never goes live.
//
// The first fetch is shallow (Config.Depth); later ones bring only the
// objects that are new since the deployed commit. The store is replaced by
// a fresh shallow clone when it has accumulated many packs.
//
// Because folders are never updated in place, local edits in the served
// folder cannot block an update, and a force-push is just another
// revision. If the store itself is damaged, gitsync re-clones it.
//
// # Failures
//
// A failed sync leaves the current revision served, is logged, shows in
// Status (and as 503 from StatusHandler), and is retried with exponential
// backoff from RetryMin to RetryMax. A failing Then is such a failure: its
// revision is thrown away and checked out again at the next try, while the
// previous revision stays served. Close interrupts a sync, a Then command
// and any backoff wait. Err returns the last sync's error for errors.Is
// and errors.As.
//
// A restart survives an outage: when Dest already holds a deployed
// revision, Start serves it at once and runs the first sync in the
// background, so a remote that is down (or a Then that fails) is one more
// failed sync, retried until it heals. Only a first Start, with nothing
// deployed, waits for the clone and fails with it; it may then be called
// again.
//
// # Webhooks
//
// Webhook verifies GitHub (X-Hub-Signature-256), Gitea and Gogs (hex
// HMAC-SHA256) and GitLab (X-Gitlab-Token) deliveries, and generic senders
// with "Authorization: Bearer <secret>" or an X-Hub-Signature-256 HMAC,
// all compared in constant time. Pushes to the tracked ref answer 202 and
// queue one sync; a burst of pushes coalesces into one more sync.
package gitsync
