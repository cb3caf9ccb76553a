package warning

// CAP 1.2 (OASIS Common Alerting Protocol, version 1.2) in and out.
//
// The structs follow the schema's element order (CAP-v1.2.xsd is a
// sequence at every level), so encoding/xml writes a document the schema
// accepts; no XML is built by hand. ParseCAP reads a message and checks it
// the way the schema does (required elements, enumerations, the dateTime
// pattern, elements in their parents) plus the spec's section-3 rules
// (identifier characters, references triples, polygon and circle forms); a
// refusal names the element.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CAPNamespace is the CAP 1.2 XML namespace.
const CAPNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

// Alert is a CAP 1.2 <alert>.
type Alert struct {
	XMLName     xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string   `xml:"identifier"`
	Sender      string   `xml:"sender"`
	Sent        string   `xml:"sent"`
	Status      string   `xml:"status"`
	MsgType     string   `xml:"msgType"`
	Source      string   `xml:"source,omitempty"`
	Scope       string   `xml:"scope"`
	Restriction string   `xml:"restriction,omitempty"`
	Addresses   string   `xml:"addresses,omitempty"`
	Code        []string `xml:"code,omitempty"`
	Note        string   `xml:"note,omitempty"`
	References  string   `xml:"references,omitempty"`
	Incidents   string   `xml:"incidents,omitempty"`
	Info        []Info   `xml:"info"`
	Signature   []AnyXML `xml:",any"`
}

// AnyXML keeps an element the structs do not model (an XML signature).
type AnyXML struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   []byte     `xml:",innerxml"`
}

// Info is a CAP <info> block (one per language).
type Info struct {
	Language     string      `xml:"language,omitempty"`
	Category     []string    `xml:"category"`
	Event        string      `xml:"event"`
	ResponseType []string    `xml:"responseType,omitempty"`
	Urgency      string      `xml:"urgency"`
	Severity     string      `xml:"severity"`
	Certainty    string      `xml:"certainty"`
	Audience     string      `xml:"audience,omitempty"`
	EventCode    []NameValue `xml:"eventCode,omitempty"`
	Effective    string      `xml:"effective,omitempty"`
	Onset        string      `xml:"onset,omitempty"`
	Expires      string      `xml:"expires,omitempty"`
	SenderName   string      `xml:"senderName,omitempty"`
	Headline     string      `xml:"headline,omitempty"`
	Description  string      `xml:"description,omitempty"`
	Instruction  string      `xml:"instruction,omitempty"`
	Web          string      `xml:"web,omitempty"`
	Contact      string      `xml:"contact,omitempty"`
	Parameter    []NameValue `xml:"parameter,omitempty"`
	Resource     []Resource  `xml:"resource,omitempty"`
	Area         []Area      `xml:"area,omitempty"`
}

// NameValue is an <eventCode>, <parameter> or <geocode>.
type NameValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// Resource is a CAP <resource>.
type Resource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	Size         string `xml:"size,omitempty"`
	URI          string `xml:"uri,omitempty"`
	DerefURI     string `xml:"derefUri,omitempty"`
	Digest       string `xml:"digest,omitempty"`
}

// Area is a CAP <area>.
type Area struct {
	AreaDesc string      `xml:"areaDesc"`
	Polygon  []string    `xml:"polygon,omitempty"`
	Circle   []string    `xml:"circle,omitempty"`
	Geocode  []NameValue `xml:"geocode,omitempty"`
	Altitude string      `xml:"altitude,omitempty"`
	Ceiling  string      `xml:"ceiling,omitempty"`
}

// CAPError is a refusal of a CAP message, naming the element.
type CAPError struct {
	Element string // e.g. "alert/info[1]/severity"
	Reason  string
}

func (e *CAPError) Error() string {
	if e.Element == "" {
		return "CAP 1.2: " + e.Reason
	}
	return fmt.Sprintf("CAP 1.2 <%s>: %s", e.Element, e.Reason)
}

func capErr(el, format string, a ...any) error {
	return &CAPError{Element: el, Reason: fmt.Sprintf(format, a...)}
}

// MaxCAPBytes bounds a CAP message read by ParseCAP.
const MaxCAPBytes = 1 << 20

// Enumerations of the schema.
var (
	capStatus    = []string{"Actual", "Exercise", "System", "Test", "Draft"}
	capMsgType   = []string{"Alert", "Update", "Cancel", "Ack", "Error"}
	capScope     = []string{"Public", "Restricted", "Private"}
	capCategory  = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	capResponse  = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}
	capUrgency   = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	capSeverity  = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	capCertainty = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
)

// children lists the elements each CAP element may hold (in schema
// order); leaves are absent.
var children = map[string][]string{
	"alert": {"identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction", "addresses", "code", "note",
		"references", "incidents", "info"},
	"info": {"language", "category", "event", "responseType", "urgency", "severity", "certainty", "audience", "eventCode", "effective",
		"onset", "expires", "senderName", "headline", "description", "instruction", "web", "contact", "parameter", "resource", "area"},
	"eventCode": {"valueName", "value"},
	"parameter": {"valueName", "value"},
	"geocode":   {"valueName", "value"},
	"resource":  {"resourceDesc", "mimeType", "size", "uri", "derefUri", "digest"},
	"area":      {"areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"},
}

// multiple are the elements that may occur more than once in their parent.
var multiple = map[string]bool{"code": true, "info": true, "category": true, "responseType": true, "eventCode": true, "parameter": true,
	"resource": true, "area": true, "polygon": true, "circle": true, "geocode": true}

const xmldsigNS = "http://www.w3.org/2000/09/xmldsig#"

// checkTree walks the tokens: the root must be a CAP 1.2 <alert>, every
// element must be one its parent may hold, in the schema's order, and no
// single element may repeat.
func checkTree(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	type frame struct {
		name, path string
		pos        int // index in children[name] of the last child seen
		seen       map[string]int
	}
	var stack []*frame
	root := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return capErr("", "not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if root {
					return capErr(t.Name.Local, "a second root element")
				}
				root = true
				if t.Name.Local != "alert" || t.Name.Space != CAPNamespace {
					if t.Name.Local == "alert" && strings.HasPrefix(t.Name.Space, "urn:oasis:names:tc:emergency:cap:") {
						return capErr("alert", "namespace %q is not CAP 1.2 (%s)", t.Name.Space, CAPNamespace)
					}
					return capErr(t.Name.Local, "the root element is not a CAP 1.2 <alert> in namespace %s", CAPNamespace)
				}
				stack = append(stack, &frame{name: "alert", path: "alert", pos: -1, seen: map[string]int{}})
				continue
			}
			top := stack[len(stack)-1]
			if top.name == "" { // inside an element we do not check (signature)
				stack = append(stack, &frame{})
				continue
			}
			if top.name == "alert" && t.Name.Space == xmldsigNS {
				top.pos = len(children["alert"])
				stack = append(stack, &frame{})
				continue
			}
			allowed, ok := children[top.name]
			if !ok {
				return capErr(top.path, "holds text only, not <%s>", t.Name.Local)
			}
			if t.Name.Space != CAPNamespace {
				return capErr(top.path+"/"+t.Name.Local, "element outside the CAP 1.2 namespace")
			}
			i := slices.Index(allowed, t.Name.Local)
			if i < 0 {
				return capErr(top.path+"/"+t.Name.Local, "not an element of <%s>", top.name)
			}
			if i < top.pos {
				return capErr(top.path+"/"+t.Name.Local, "out of order: it comes before <%s>", allowed[top.pos])
			}
			top.seen[t.Name.Local]++
			n := top.seen[t.Name.Local]
			if n > 1 && !multiple[t.Name.Local] {
				return capErr(top.path+"/"+t.Name.Local, "may occur only once")
			}
			top.pos = i
			path := top.path + "/" + t.Name.Local
			if multiple[t.Name.Local] {
				path = fmt.Sprintf("%s[%d]", path, n)
			}
			stack = append(stack, &frame{name: t.Name.Local, path: path, pos: -1, seen: map[string]int{}})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if !root {
		return capErr("", "no root element")
	}
	return nil
}

// ParseCAP reads and checks a CAP 1.2 message.
func ParseCAP(r io.Reader) (*Alert, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCAPBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxCAPBytes {
		return nil, capErr("", "message larger than %d bytes", MaxCAPBytes)
	}
	if err := checkTree(data); err != nil {
		return nil, err
	}
	var a Alert
	if err := xml.Unmarshal(data, &a); err != nil {
		return nil, capErr("alert", "cannot be read: %v", err)
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

var (
	capTime    = regexp.MustCompile(`^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d$`)
	capLang    = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)
	capDecimal = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
	capInteger = regexp.MustCompile(`^[+-]?\d+$`)
	capPoint   = regexp.MustCompile(`^-?\d+(\.\d+)?,-?\d+(\.\d+)?$`)
)

// ParseCAPTime reads a CAP dateTime (2022-01-07T08:00:00+08:00).
func ParseCAPTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if !capTime.MatchString(s) {
		return time.Time{}, errors.New("not a CAP dateTime (YYYY-MM-DDThh:mm:ss±hh:mm)")
	}
	return time.Parse("2006-01-02T15:04:05-07:00", s)
}

// FormatCAPTime writes t as a CAP dateTime in China Standard Time.
func FormatCAPTime(t time.Time) string {
	return t.In(cst).Format("2006-01-02T15:04:05-07:00")
}

func checkEnum(el, v string, allowed []string) error {
	if !slices.Contains(allowed, strings.TrimSpace(v)) {
		if strings.TrimSpace(v) == "" {
			return capErr(el, "required")
		}
		return capErr(el, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	return nil
}

func checkTime(el, v string, required bool) error {
	if strings.TrimSpace(v) == "" {
		if required {
			return capErr(el, "required")
		}
		return nil
	}
	if _, err := ParseCAPTime(v); err != nil {
		return capErr(el, "%q: %v", v, err)
	}
	return nil
}

// Validate checks the schema's rules that the structs can see and the
// spec's section-3 rules.
func (a *Alert) Validate() error {
	if a.XMLName.Local != "" && (a.XMLName.Space != CAPNamespace || a.XMLName.Local != "alert") {
		return capErr("alert", "not a CAP 1.2 alert")
	}
	if err := checkIdentifier("alert/identifier", a.Identifier); err != nil {
		return err
	}
	if err := checkIdentifier("alert/sender", a.Sender); err != nil {
		return err
	}
	if err := checkTime("alert/sent", a.Sent, true); err != nil {
		return err
	}
	if err := checkEnum("alert/status", a.Status, capStatus); err != nil {
		return err
	}
	if err := checkEnum("alert/msgType", a.MsgType, capMsgType); err != nil {
		return err
	}
	if err := checkEnum("alert/scope", a.Scope, capScope); err != nil {
		return err
	}
	if (a.Scope == "Restricted") && strings.TrimSpace(a.Restriction) == "" {
		return capErr("alert/restriction", "required when scope is Restricted")
	}
	if a.Scope == "Private" && strings.TrimSpace(a.Addresses) == "" {
		return capErr("alert/addresses", "required when scope is Private")
	}
	if (a.MsgType == "Update" || a.MsgType == "Cancel") && strings.TrimSpace(a.References) == "" {
		return capErr("alert/references", "required for msgType %s", a.MsgType)
	}
	if _, err := ParseReferences(a.References); err != nil {
		return err
	}
	for i, in := range a.Info {
		p := fmt.Sprintf("alert/info[%d]", i+1)
		if in.Language != "" && !capLang.MatchString(strings.TrimSpace(in.Language)) {
			return capErr(p+"/language", "%q is not a language tag", in.Language)
		}
		if len(in.Category) == 0 {
			return capErr(p+"/category", "required")
		}
		for j, c := range in.Category {
			if err := checkEnum(fmt.Sprintf("%s/category[%d]", p, j+1), c, capCategory); err != nil {
				return err
			}
		}
		if strings.TrimSpace(in.Event) == "" {
			return capErr(p+"/event", "required")
		}
		for j, c := range in.ResponseType {
			if err := checkEnum(fmt.Sprintf("%s/responseType[%d]", p, j+1), c, capResponse); err != nil {
				return err
			}
		}
		if err := checkEnum(p+"/urgency", in.Urgency, capUrgency); err != nil {
			return err
		}
		if err := checkEnum(p+"/severity", in.Severity, capSeverity); err != nil {
			return err
		}
		if err := checkEnum(p+"/certainty", in.Certainty, capCertainty); err != nil {
			return err
		}
		for _, t := range [][2]string{{"effective", in.Effective}, {"onset", in.Onset}, {"expires", in.Expires}} {
			if err := checkTime(p+"/"+t[0], t[1], false); err != nil {
				return err
			}
		}
		for j, r := range in.Resource {
			rp := fmt.Sprintf("%s/resource[%d]", p, j+1)
			if strings.TrimSpace(r.ResourceDesc) == "" {
				return capErr(rp+"/resourceDesc", "required")
			}
			if strings.TrimSpace(r.MimeType) == "" {
				return capErr(rp+"/mimeType", "required")
			}
			if r.Size != "" && !capInteger.MatchString(strings.TrimSpace(r.Size)) {
				return capErr(rp+"/size", "%q is not an integer", r.Size)
			}
		}
		for j, ar := range in.Area {
			ap := fmt.Sprintf("%s/area[%d]", p, j+1)
			if strings.TrimSpace(ar.AreaDesc) == "" {
				return capErr(ap+"/areaDesc", "required")
			}
			for k, pg := range ar.Polygon {
				if err := checkPolygon(fmt.Sprintf("%s/polygon[%d]", ap, k+1), pg); err != nil {
					return err
				}
			}
			for k, c := range ar.Circle {
				if err := checkCircle(fmt.Sprintf("%s/circle[%d]", ap, k+1), c); err != nil {
					return err
				}
			}
			for _, d := range [][2]string{{"altitude", ar.Altitude}, {"ceiling", ar.Ceiling}} {
				if d[1] != "" && !capDecimal.MatchString(strings.TrimSpace(d[1])) {
					return capErr(ap+"/"+d[0], "%q is not a decimal", d[1])
				}
			}
			if ar.Ceiling != "" && ar.Altitude == "" {
				return capErr(ap+"/ceiling", "needs an altitude")
			}
		}
	}
	return nil
}

// checkIdentifier: required, without spaces, commas or the restricted
// characters < and &.
func checkIdentifier(el, v string) error {
	if strings.TrimSpace(v) == "" {
		return capErr(el, "required")
	}
	if strings.ContainsAny(v, " ,<&\t\r\n") {
		return capErr(el, "%q contains a space, comma, < or &", v)
	}
	return nil
}

// Reference is one sender,identifier,sent triple of <references>.
type Reference struct {
	Sender, Identifier, Sent string
}

// String writes the triple.
func (r Reference) String() string { return r.Sender + "," + r.Identifier + "," + r.Sent }

// ParseReferences reads a space-separated list of sender,identifier,sent.
func ParseReferences(s string) ([]Reference, error) {
	var out []Reference
	for _, f := range strings.Fields(s) {
		parts := strings.Split(f, ",")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
			return nil, capErr("alert/references", "%q is not a sender,identifier,sent triple", f)
		}
		if _, err := ParseCAPTime(parts[2]); err != nil {
			return nil, capErr("alert/references", "%q: sent %v", f, err)
		}
		out = append(out, Reference{parts[0], parts[1], parts[2]})
	}
	return out, nil
}

func checkPoint(el, pt string) error {
	if !capPoint.MatchString(pt) {
		return capErr(el, "%q is not a latitude,longitude pair", pt)
	}
	ll := strings.Split(pt, ",")
	lat, _ := strconv.ParseFloat(ll[0], 64)
	lon, _ := strconv.ParseFloat(ll[1], 64)
	if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return capErr(el, "%q is outside WGS-84 bounds", pt)
	}
	return nil
}

// checkPolygon: at least 4 pairs, the first equal to the last.
func checkPolygon(el, v string) error {
	pts := strings.Fields(v)
	if len(pts) < 4 {
		return capErr(el, "a polygon needs at least 4 points")
	}
	for _, pt := range pts {
		if err := checkPoint(el, pt); err != nil {
			return err
		}
	}
	if pts[0] != pts[len(pts)-1] {
		return capErr(el, "the first and last points differ")
	}
	return nil
}

// checkCircle: "lat,lon radius".
func checkCircle(el, v string) error {
	f := strings.Fields(v)
	if len(f) != 2 {
		return capErr(el, "%q is not \"lat,lon radius\"", v)
	}
	if err := checkPoint(el, f[0]); err != nil {
		return err
	}
	if r, err := strconv.ParseFloat(f[1], 64); err != nil || r < 0 {
		return capErr(el, "radius %q is not a non-negative number", f[1])
	}
	return nil
}

// MarshalCAP writes a as an XML document.
func MarshalCAP(a *Alert) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	body, err := xml.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(body, '\n')...), nil
}
