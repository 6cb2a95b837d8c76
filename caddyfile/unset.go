package caddyfile

// unsetArg is an argument in which an environment placeholder ({$VAR})
// expanded to nothing.
type unsetArg struct {
	arg  int // index in Args
	name string
	pos  Position
}

// freeText are the option arguments that may legitimately come out empty:
// header values, FastCGI environment values and git's then command line
// ("*" stands for every option, as header's block lines are header names).
// Every other argument names a path, a file, an address or a secret, where
// an empty value silently changes the meaning: "root {$UNSET}" would serve
// the working folder, "hook /h {$SECRET}" would take unsigned webhooks.
// Caddy 0.7 put in the empty string; httpmw refuses, naming the line.
var freeText = map[string]map[string]int{ // directive -> option -> first free argument
	"proxy":   {"header_upstream": 1, "proxy_header": 1, "header_downstream": 1},
	"fastcgi": {"env": 1},
	"git":     {"then": 1},
	"header":  {"*": 0},
}

// freeArgs are the directive arguments that may come out empty, by the
// index of the first: header's value ("header / X-Env {$ENV}").
var freeArgs = map[string]int{"header": 2}

// checkUnset refuses an empty environment placeholder in d where it is not
// free text.
func checkUnset(d Directive) error {
	for _, u := range d.unset {
		if first, ok := freeArgs[d.Name]; ok && u.arg >= first {
			continue
		}
		return unsetError(d.Name, "", u)
	}
	for _, o := range d.Options {
		for _, u := range o.unset {
			first, ok := freeText[d.Name][o.Name]
			if !ok {
				first, ok = freeText[d.Name]["*"]
			}
			if ok && u.arg >= first {
				continue
			}
			return unsetError(d.Name, o.Name+": ", u)
		}
	}
	return nil
}

func unsetError(dir, opt string, u unsetArg) error {
	return errorf(u.pos, "%s: %s{$%s} is not set or empty (line %d); set the environment variable, or write the value in the file",
		dir, opt, u.name, u.pos.Line)
}
