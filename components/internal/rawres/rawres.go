// Package rawres registers provider resources whose typed SDK package nimbus does not import
// (too costly to compile, or not served), behind small typed wrappers.
//
// A wrapper declares a [Type]: the provider [Package] as its typed SDK registers it (name and
// version, so the engine picks the same default provider, and an explicit pulumi.Provider option
// applies as it would), the resource's type token, its input struct A and its output struct R.
//
//   - A's fields are Pulumi inputs tagged `pulumi:"property"` with the provider's property names.
//     An input of a non-pointer kind (pulumi.StringInput, pulumi.BoolInput, pulumi.IntInput,
//     is required: [New] refuses a nil one, naming the field. The Ptr kinds (pulumi.StringPtrInput,
//     ...) are optional and omitted when nil, as the typed SDKs do. Arrays and maps have no Ptr
//     kind: pulumi.StringArrayInput and pulumi.StringMapInput are optional unless the tag says
//     `pulumi:"property,required"`.
//   - A nested object is a pointer to a struct of such fields (*ServiceTemplateArgs), a list of
//     objects a slice of them ([]ServiceTemplateContainerArgs); both are optional unless tagged
//     required, and a nil required field inside one is refused with its path.
//   - R embeds pulumi.CustomResourceState; its pulumi.XOutput fields tagged `pulumi:"property"`
//     are resolved from the provider's outputs, as a typed SDK resource's are. A nested output
//     is a pulumi.MapOutput (read it with [String]).
//
// [Fields] describes A or R in the provider schema's terms (property name, type, required), for
// tests that pin a wrapper to its provider's schema. Nothing here knows a cloud.
package rawres

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Package is a provider package as its typed Go SDK registers resources.
type Package struct {
	// Name is the package's name, the first part of its type tokens ("gcp").
	Name string
	// Version is the package version the typed SDK registers with (pulumi.Version), "9.37.0".
	Version string
}

// Versioned are the API-versioned tokens NAME:MODULE/vVERSION:RESOURCE of versions, the
// types a generated SDK's NewX aliases (azure-native's "azure-native:network/v20240101:VirtualNetwork"),
// so that a stack made with a versioned token is not replaced.
func (p Package) Versioned(module, resource string, versions ...string) []string {
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = fmt.Sprintf("%s:%s/v%s:%s", p.Name, module, v, resource)
	}
	return out
}

// Aliases is the option aliasing a resource to each of types, as a generated SDK's NewX adds it.
func Aliases(types []string) pulumi.ResourceOption {
	as := make([]pulumi.Alias, len(types))
	for i, t := range types {
		as[i] = pulumi.Alias{Type: pulumi.String(t)}
	}
	return pulumi.Aliases(as)
}

// Type is one resource type of a package, with input struct A.
type Type[A any] struct {
	Package Package
	// Token is the resource's type token, "gcp:compute/network:Network".
	Token string
}

// New registers a resource of type t named name with args, and returns its outputs as an R.
// opts come after the package's version, as in a typed SDK's NewX.
func New[R any, PR interface {
	*R
	pulumi.CustomResource
}, A any](ctx *pulumi.Context, t Type[A], name string, args *A, opts ...pulumi.ResourceOption) (*R, error) {
	if !strings.HasPrefix(t.Token, t.Package.Name+":") {
		return nil, fmt.Errorf("cannot register %q: type token %q is not of package %q", name, t.Token, t.Package.Name)
	}
	props, err := Inputs(args)
	if err != nil {
		return nil, fmt.Errorf("cannot register %s %q: %w", t.Token, name, err)
	}
	var res R
	opts = append([]pulumi.ResourceOption{pulumi.Version(t.Package.Version)}, opts...)
	if err := ctx.RegisterResource(t.Token, name, props, PR(&res), opts...); err != nil {
		return nil, fmt.Errorf("cannot register %s %q: %w", t.Token, name, err)
	}
	return &res, nil
}

// Inputs turns an input struct into the property map it registers: every tagged field that is
// set, keyed by its property name, nested objects as maps. A nil required field is an error
// naming it.
func Inputs[A any](args *A) (pulumi.Map, error) {
	v := reflect.ValueOf(args)
	if args == nil {
		v = reflect.New(reflect.TypeFor[A]())
	}
	v = v.Elem()
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("inputs must be a struct, got %s", v.Type())
	}
	fields, err := Fields(v.Type())
	if err != nil {
		return nil, err
	}
	var errs []error
	out := inputs(v, fields, "", "", &errs)
	return out, errors.Join(errs...)
}

// inputs is the property map of struct value v; goPath and propPath prefix the names in errors.
func inputs(v reflect.Value, fields []Field, goPath, propPath string, errs *[]error) pulumi.Map {
	out := pulumi.Map{}
	for _, f := range fields {
		fv := v.FieldByIndex(f.index)
		goName, prop := goPath+f.goName, propPath+f.Property
		switch {
		case fv.Kind() != reflect.Interface && f.Fields == nil:
			*errs = append(*errs, fmt.Errorf("field %s of %s is an output; inputs are pulumi XInput interfaces", goName, v.Type()))
		case fv.IsNil():
			if f.Required {
				*errs = append(*errs, fmt.Errorf("%s (%s) is required", goName, prop))
			}
		case fv.Kind() == reflect.Pointer:
			out[f.Property] = inputs(fv.Elem(), f.Fields, goName+".", prop+".", errs)
		case fv.Kind() == reflect.Slice:
			list := pulumi.Array{}
			for i := range fv.Len() {
				list = append(list, inputs(fv.Index(i), f.Fields, fmt.Sprintf("%s[%d].", goName, i), fmt.Sprintf("%s[%d].", prop, i), errs))
			}
			out[f.Property] = list
		default:
			out[f.Property] = fv.Interface().(pulumi.Input)
		}
	}
	return out
}

// String reads the string at path in a nested output (metadata, then name), "" when absent.
func String(m pulumi.MapOutput, path ...string) pulumi.StringOutput {
	return m.ApplyT(func(v map[string]any) string {
		var cur any = v
		for _, p := range path {
			obj, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			cur = obj[p]
		}
		s, _ := cur.(string)
		return s
	}).(pulumi.StringOutput)
}

// Field is one property of a wrapper's input or output struct.
type Field struct {
	// Property is the provider's property name.
	Property string
	// Kind is the property's type: "string", "bool", "int", "number", "[]string",
	// "map[string]string", "object" (a nested object, or any nested output) or "[]object".
	Kind string
	// Required is true for an input of a non-pointer scalar kind, or tagged ",required".
	Required bool

	// Fields are a nested object's properties ("object" and "[]object" inputs).
	Fields []Field

	goName string
	index  []int
}

type kind struct {
	name     string
	required bool
}

// kinds are the Pulumi input and output types a wrapper may use, by what they carry.
var kinds = map[reflect.Type]kind{
	reflect.TypeFor[pulumi.StringInput]():         {"string", true},
	reflect.TypeFor[pulumi.StringPtrInput]():      {"string", false},
	reflect.TypeFor[pulumi.BoolInput]():           {"bool", true},
	reflect.TypeFor[pulumi.BoolPtrInput]():        {"bool", false},
	reflect.TypeFor[pulumi.IntInput]():            {"int", true},
	reflect.TypeFor[pulumi.IntPtrInput]():         {"int", false},
	reflect.TypeFor[pulumi.Float64Input]():        {"number", true},
	reflect.TypeFor[pulumi.Float64PtrInput]():     {"number", false},
	reflect.TypeFor[pulumi.StringArrayInput]():    {"[]string", false},
	reflect.TypeFor[pulumi.StringMapInput]():      {"map[string]string", false},
	reflect.TypeFor[pulumi.StringOutput]():        {"string", false},
	reflect.TypeFor[pulumi.StringPtrOutput]():     {"string", false},
	reflect.TypeFor[pulumi.BoolOutput]():          {"bool", false},
	reflect.TypeFor[pulumi.BoolPtrOutput]():       {"bool", false},
	reflect.TypeFor[pulumi.IntOutput]():           {"int", false},
	reflect.TypeFor[pulumi.IntPtrOutput]():        {"int", false},
	reflect.TypeFor[pulumi.Float64Output]():       {"number", false},
	reflect.TypeFor[pulumi.StringArrayOutput]():   {"[]string", false},
	reflect.TypeFor[pulumi.StringMapOutput]():     {"map[string]string", false},
	reflect.TypeFor[pulumi.MapOutput]():           {"object", false},
	reflect.TypeFor[pulumi.CustomResourceState](): {"", false},
}

// Fields describes the tagged fields of a wrapper's input or output struct, sorted by property
// name. A field of a type outside the supported kinds is an error naming it.
func Fields(t reflect.Type) ([]Field, error) {
	var out []Field
	var errs []error
	for i := range t.NumField() {
		f := t.Field(i)
		tag, flag, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		k, ok := kinds[f.Type]
		switch {
		case f.Anonymous && f.Type == reflect.TypeFor[pulumi.CustomResourceState]():
			continue
		case tag == "":
			errs = append(errs, fmt.Errorf("field %s of %s has no pulumi tag", f.Name, t))
			continue
		case !ok && nested(f.Type) != nil:
			elem := nested(f.Type)
			sub, err := Fields(elem)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			kind := "object"
			if f.Type.Kind() == reflect.Slice {
				kind = "[]object"
			}
			out = append(out, Field{Property: tag, Kind: kind, Required: flag == "required", Fields: sub, goName: f.Name, index: f.Index})
			continue
		case !ok || k.name == "":
			errs = append(errs, fmt.Errorf("field %s of %s is a %s; want a pulumi String, Bool, Int, Float64, StringArray or StringMap input or output, or a nested struct", f.Name, t, f.Type))
			continue
		}
		out = append(out, Field{Property: tag, Kind: k.name, Required: k.required || flag == "required", goName: f.Name, index: f.Index})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Property < out[j].Property })
	return out, errors.Join(errs...)
}

// nested is the struct of a nested-object field (*S or []S), or nil.
func nested(t reflect.Type) reflect.Type {
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Slice {
		return nil
	}
	if e := t.Elem(); e.Kind() == reflect.Struct && e.PkgPath() != reflect.TypeFor[pulumi.Map]().PkgPath() {
		return e
	}
	return nil
}
