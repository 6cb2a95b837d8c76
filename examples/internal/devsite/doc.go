// Package devsite is the site the example commands serve when they are given
// nothing but a folder: logger (Combined) -> gzip -> browse with listings,
// and a welcome page at "/" while the folder is empty.
//
//	site, access, err := devsite.New(".", os.Stdout, welcomePage)
//	defer access.Close()
//	err = devsite.Serve(ctx, &http.Server{Handler: site}, ln)
package devsite
