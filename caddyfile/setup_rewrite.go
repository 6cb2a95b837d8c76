package caddyfile

import (
	"github.com/httpmw/httpmw/rewrite"
)

// setupRewrite reads Caddy 0.7's rewrite directive:
//
//	rewrite from to          # a simple rule: the path from, exactly
//	rewrite [base] {         # a regexp rule for paths under base ("/")
//		r  pattern           # or regexp; matched after base
//		ext extensions...    # .html, / for none, !.php to exclude
//		to destination       # placeholders and {1}.. groups; see package rewrite
//	}
//
// As in Caddy, a site's simple rules are tried before its regexp rules,
// each kind in file order; the first that matches rewrites.
func setupRewrite(s *siteConfig, d Directive) error {
	var rule rewrite.Rule
	switch len(d.Args) {
	case 2:
		if err := noOptions(d); err != nil {
			return err
		}
		rule = rewrite.Rule{From: d.Args[0], To: d.Args[1]}
	case 0, 1:
		if len(d.Args) == 1 {
			rule.Base = d.Args[0]
		}
		if len(d.Options) == 0 {
			return errorf(d.Pos, "rewrite: expected \"rewrite from to\" or a block with r and to")
		}
		for _, o := range d.Options {
			switch o.Name {
			case "r", "regexp":
				if err := checkOptionArgs("rewrite", o, 1, 1, o.Name+" pattern"); err != nil {
					return err
				}
				rule.Regexp = o.Args[0]
			case "ext":
				if err := checkOptionArgs("rewrite", o, 1, -1, "ext extensions..."); err != nil {
					return err
				}
				rule.Ext = append(rule.Ext, o.Args...)
			case "to":
				if err := checkOptionArgs("rewrite", o, 1, 1, "to destination"); err != nil {
					return err
				}
				rule.To = o.Args[0]
			default:
				return unknownOption("rewrite", o, "r", "regexp", "ext", "to")
			}
		}
		if rule.Regexp == "" || rule.To == "" {
			return errorf(d.Pos, "rewrite: a block needs both r (or regexp) and to")
		}
	default:
		return checkArgs(d, 0, 2, "rewrite from to")
	}
	if _, err := rewrite.New(rewrite.Config{Rules: []rewrite.Rule{rule}}); err != nil {
		return errorf(d.Pos, "%v", err)
	}
	s.rewrites = append(s.rewrites, rewriteDirective{rule: rule, pos: d.Pos})
	return nil
}

// rewriteRules orders a site's rules as Caddy 0.7 did: simple rules
// first, then regexp rules, each in file order.
func rewriteRules(rules []rewriteDirective) []rewrite.Rule {
	var simple, regexps []rewrite.Rule
	for _, r := range rules {
		if r.rule.Regexp == "" {
			simple = append(simple, r.rule)
		} else {
			regexps = append(regexps, r.rule)
		}
	}
	return append(simple, regexps...)
}
