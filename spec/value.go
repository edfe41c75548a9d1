package spec

import "fmt"

// UnsetEnvError is the error of Value.Resolve when the value came from
// env() of a variable that is not set.
type UnsetEnvError struct {
	// Name is the environment variable.
	Name string
	// Where is the position of the expression that needed it ("main.hcl:12,14").
	Where string
}

func (e *UnsetEnvError) Error() string {
	return fmt.Sprintf("environment variable %s is not set (needed at %s)", e.Name, e.Where)
}

// Resolve returns the value's string, or an *UnsetEnvError when it came
// from env() of an unset variable. Call it where the value is needed (to
// open a destination), never to validate.
func (v Value) Resolve() (string, error) {
	if v.UnsetEnv != "" {
		return "", &UnsetEnvError{Name: v.UnsetEnv, Where: posString(v.Range)}
	}
	return v.Str, nil
}

// String is the value as it may be shown to a person: "(sensitive)" for a
// sensitive value, so that printing a Destination never leaks a secret.
func (v Value) String() string {
	switch {
	case v.Sensitive:
		return "(sensitive)"
	case v.UnsetEnv != "":
		return "(unset " + v.UnsetEnv + ")"
	}
	return v.Str
}

// GoString hides sensitive values from %#v as well.
func (v Value) GoString() string {
	return fmt.Sprintf("spec.Value{%q}", v.String())
}
