package fakecloud

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The GCP placeholders: the project every GCP resource is in unless its `project` input says
// otherwise, and that project's number.
const (
	GCPProject       = "nimbus-project"
	GCPProjectNumber = "123456789012"
	gcpProjectNumber = 123456789012.0
)

// gcpModels follow pulumi-gcp v9 (the Terraform Google provider): ids as the provider sets
// them, self links under the Compute and Storage APIs' base URLs, names autonamed in lower case.
var gcpModels = map[string]model{
	"gcp:compute/network:Network":                 gcpNetwork,
	"gcp:compute/subnetwork:Subnetwork":           gcpSubnetwork,
	"gcp:compute/globalAddress:GlobalAddress":     gcpGlobalAddress,
	"gcp:servicenetworking/connection:Connection": gcpServiceNetworkingConnection,
	"gcp:storage/bucket:Bucket":                   gcpBucket,
	"gcp:storage/bucketIAMMember:BucketIAMMember": gcpBucketIAMMember,
	"gcp:serviceaccount/account:Account":          gcpServiceAccount,
}

func init() {
	for typ, m := range gcpModels {
		models[typ] = m
	}
}

const computeAPI = "https://www.googleapis.com/compute/v1/"

func gcpProject(r *Request) string {
	if p := r.Str("project"); p != "" {
		return p
	}
	if r.Project != "" {
		return r.Project
	}
	return GCPProject
}

// gcpName is a name the program set, or pulumi-gcp's autoname: the logical name, "-" and 7 hex
// characters, in lower case.
func gcpName(r *Request, maxLen int) string {
	return strings.ToLower(r.NameOr("name", maxLen, true))
}

// numericID is a decimal id of 19 digits, as Compute Engine gives every resource.
func numericID(r *Request) string {
	b, _ := hex.DecodeString(r.Hex(16, "numeric-id"))
	return fmt.Sprintf("%019d", binary.BigEndian.Uint64(b)%9_000_000_000_000_000_000+1_000_000_000_000_000_000)
}

// selfLinkOf turns a relative resource name (projects/P/global/networks/N) into its self link;
// a self link stays as it is.
func selfLinkOf(ref string) string {
	if strings.HasPrefix(ref, "projects/") {
		return computeAPI + ref
	}
	return ref
}

func gcpNetwork(r *Request) (string, resource.PropertyMap) {
	name, project := gcpName(r, 63), gcpProject(r)
	id := fmt.Sprintf("projects/%s/global/networks/%s", project, name)
	c := props(map[string]any{
		"name":      name,
		"project":   project,
		"selfLink":  computeAPI + id,
		"networkId": numericID(r),
		"numericId": numericID(r),
	})
	setDefault(r, c, "autoCreateSubnetworks", true)
	setDefault(r, c, "routingMode", "REGIONAL")
	setDefault(r, c, "mtu", 1460)
	return id, c
}

func gcpSubnetwork(r *Request) (string, resource.PropertyMap) {
	name, project := gcpName(r, 63), gcpProject(r)
	region := r.Str("region")
	if region == "" {
		region = r.Region
	}
	id := fmt.Sprintf("projects/%s/regions/%s/subnetworks/%s", project, region, name)
	c := props(map[string]any{
		"name":              name,
		"project":           project,
		"region":            region,
		"selfLink":          computeAPI + id,
		"network":           selfLinkOf(r.Str("network")),
		"subnetworkId":      numericID(r),
		"creationTimestamp": fixedTime,
		"gatewayAddress":    "",
	})
	// The gateway is the range's first host address.
	if p, err := netip.ParsePrefix(r.Str("ipCidrRange")); err == nil {
		c["gatewayAddress"] = resource.NewProperty(p.Masked().Addr().Next().String())
	}
	setDefault(r, c, "privateIpGoogleAccess", false)
	setDefault(r, c, "stackType", "IPV4_ONLY")
	setDefault(r, c, "purpose", "PRIVATE")
	return id, c
}

func gcpGlobalAddress(r *Request) (string, resource.PropertyMap) {
	name, project := gcpName(r, 63), gcpProject(r)
	id := fmt.Sprintf("projects/%s/global/addresses/%s", project, name)
	c := props(map[string]any{
		"name":              name,
		"project":           project,
		"selfLink":          computeAPI + id,
		"creationTimestamp": fixedTime,
	})
	if r.Has("network") {
		c["network"] = resource.NewProperty(selfLinkOf(r.Str("network")))
	}
	setDefault(r, c, "addressType", "EXTERNAL")
	if !r.Has("address") {
		// An internal range Google picks: a free block of the prefix length in 10.0.0.0/8 (the
		// fake picks it from the URN, above 10.64.0.0, clear of the stacks' 10.20.0.0/16);
		// an external address is one address.
		bits := 32
		if n, ok := r.Num("prefixLength"); ok && r.Str("addressType") == "INTERNAL" {
			bits = int(n)
		}
		b, _ := hex.DecodeString(r.Hex(8, "address"))
		a := uint32(10)<<24 | (uint32(64)+uint32(b[0])%128)<<16 | uint32(b[1])<<8 | uint32(b[2])
		if bits < 32 {
			a &^= 1<<(32-bits) - 1
		}
		if bits == 32 {
			a = uint32(34)<<24 | uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) // 34.0.0.0/8, a Google range
		}
		c["address"] = resource.NewProperty(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}).String())
	}
	return id, c
}

// gcpServiceNetworkingConnection: the provider's id is NETWORK:SERVICE, and the peering Google
// creates for servicenetworking.googleapis.com is servicenetworking-googleapis-com.
func gcpServiceNetworkingConnection(r *Request) (string, resource.PropertyMap) {
	service := r.Str("service")
	return r.Str("network") + ":" + service, props(map[string]any{
		"peering": strings.ReplaceAll(strings.TrimSuffix(service, "."), ".", "-"),
	})
}

func gcpBucket(r *Request) (string, resource.PropertyMap) {
	name, project := gcpName(r, 63), gcpProject(r)
	c := props(map[string]any{
		"name":     name,
		"project":  project,
		"url":      "gs://" + name,
		"selfLink": "https://www.googleapis.com/storage/v1/b/" + name,
		// The API reports the location in upper case.
		"location":    strings.ToUpper(r.Str("location")),
		"timeCreated": fixedTime,
		"updated":     fixedTime,
	})
	c["projectNumber"] = resource.NewProperty(gcpProjectNumber)
	setDefault(r, c, "storageClass", "STANDARD")
	setDefault(r, c, "uniformBucketLevelAccess", false)
	setDefault(r, c, "publicAccessPrevention", "inherited")
	setDefault(r, c, "rpo", "DEFAULT")
	return name, c
}

// gcpBucketIAMMember: the provider's id is b/BUCKET/ROLE/MEMBER, and /TITLE with a condition.
func gcpBucketIAMMember(r *Request) (string, resource.PropertyMap) {
	id := fmt.Sprintf("b/%s/%s/%s", r.Str("bucket"), r.Str("role"), r.Str("member"))
	if cond := unwrap(r.Inputs["condition"]); cond.IsObject() {
		id += "/" + str(cond.ObjectValue()["title"])
	}
	return id, props(map[string]any{"etag": "BwY" + r.Alnum(9, "etag")})
}

// gcpServiceAccount: the email is ACCOUNT_ID@PROJECT.iam.gserviceaccount.com, the id its
// relative name, member the IAM principal.
func gcpServiceAccount(r *Request) (string, resource.PropertyMap) {
	project := gcpProject(r)
	email := r.Str("accountId") + "@" + project + ".iam.gserviceaccount.com"
	id := "projects/" + project + "/serviceAccounts/" + email
	b, _ := hex.DecodeString(r.Hex(16, "unique-id"))
	return id, props(map[string]any{
		"email":    email,
		"name":     id,
		"project":  project,
		"member":   "serviceAccount:" + email,
		"uniqueId": fmt.Sprintf("1%020d", binary.BigEndian.Uint64(b)%10_000_000_000_000_000_000),
	})
}
