package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// sensitiveMark marks a cty value that came from env(), file() or a
// sensitive variable; it travels through every expression using the value.
type sensitiveMark struct{}

// unsetEnvMark marks the unknown value env() returns for an unset variable.
type unsetEnvMark struct{ name string }

// maxFileSize bounds what file() reads, so a config cannot make validate
// read a device or a huge file into memory.
const maxFileSize = 1 << 20

// functions returns the functions of the language: env(), file() and a
// selection of cty's standard library (nothing that reads the clock or
// builds unbounded collections).
func functions(dir string, lookupEnv func(string) (string, bool)) map[string]function.Function {
	fns := map[string]function.Function{
		"env":    envFunc(lookupEnv),
		"file":   fileFunc(dir),
		"length": lengthFunc,
	}
	for name, fn := range stdFunctions {
		fns[name] = fn
	}
	return fns
}

var stdFunctions = map[string]function.Function{
	"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
	"max": stdlib.MaxFunc, "min": stdlib.MinFunc, "parseint": stdlib.ParseIntFunc,
	"coalesce": stdlib.CoalesceFunc, "compact": stdlib.CompactFunc,
	"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
	"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc,
	"flatten": stdlib.FlattenFunc, "keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc,
	"lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc, "reverse": stdlib.ReverseListFunc,
	"sort": stdlib.SortFunc, "zipmap": stdlib.ZipmapFunc,
	"format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
	"join": stdlib.JoinFunc, "split": stdlib.SplitFunc, "substr": stdlib.SubstrFunc,
	"lower": stdlib.LowerFunc, "upper": stdlib.UpperFunc, "title": stdlib.TitleFunc,
	"replace": stdlib.ReplaceFunc, "regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc,
	"regex_replace": stdlib.RegexReplaceFunc, "strrev": stdlib.ReverseFunc,
	"trim": stdlib.TrimFunc, "trimspace": stdlib.TrimSpaceFunc,
	"trimprefix": stdlib.TrimPrefixFunc, "trimsuffix": stdlib.TrimSuffixFunc,
	"chomp": stdlib.ChompFunc, "indent": stdlib.IndentFunc,
	"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc,
	"tostring": stdlib.MakeToFunc(cty.String), "tonumber": stdlib.MakeToFunc(cty.Number),
	"tobool": stdlib.MakeToFunc(cty.Bool),
}

// envFunc is env(name): the variable's value, marked sensitive. An unset
// variable gives an unknown string marked with its name, so that Load
// succeeds and only the code that needs the value reports it (Value.Resolve).
func envFunc(lookupEnv func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable (sensitive).",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if v, ok := lookupEnv(name); ok {
				return cty.StringVal(v).Mark(sensitiveMark{}), nil
			}
			return cty.UnknownVal(cty.String).WithMarks(cty.NewValueMarks(sensitiveMark{}, unsetEnvMark{name})), nil
		},
	})
}

// fileFunc is file(path): the content of a file, relative to the config
// directory, marked sensitive.
func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the content of a file, relative to the configuration directory (sensitive).",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, err := readSmallFile(absPath(dir, args[0].AsString()))
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(s).Mark(sensitiveMark{}), nil
		},
	})
}

func readSmallFile(name string) (string, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxFileSize {
		return "", fmt.Errorf("%s is not a regular file of at most %d bytes", name, maxFileSize)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%s is not valid UTF-8", name)
	}
	return string(b), nil
}

// absPath makes p absolute relative to dir, and cleans it.
func absPath(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// lengthFunc is length(x) of a string (in characters) or a collection.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the length of a string, list, map or object.",
	Params:      []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].Type() == cty.String {
			return stdlib.Strlen(args[0])
		}
		return stdlib.Length(args[0])
	},
})
