package report

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"

	"yingji/internal/kit/pdfdoc"
)

// PDF writes the report's prose as a printable document (the PDF kit,
// embedded CJK font): a heading per section, its sentences as one
// paragraph.
func (r Report) PDF(w io.Writer, issuer, title string) error {
	d := pdfdoc.Doc{Issuer: issuer, Title: title}
	if t := r.Narrative["intro"]; t != "" {
		d.Blocks = append(d.Blocks, pdfdoc.Paragraph{Text: t, Indent: true})
	}
	for _, p := range r.Parts {
		text := r.partText(p)
		if text == "" {
			continue
		}
		d.Blocks = append(d.Blocks, pdfdoc.Heading{Text: p.Title}, pdfdoc.Paragraph{Text: text, Indent: true})
	}
	if t := r.Narrative["outro"]; t != "" {
		d.Blocks = append(d.Blocks, pdfdoc.Paragraph{Text: t, Indent: true})
	}
	return pdfdoc.Render(w, d)
}

// DOCX writes the report as a minimal WordprocessingML document (the
// four parts Word and WPS need), built with encoding/xml: no dependency
// for a document of headings and paragraphs, and every character escaped
// by the encoder.
func (r Report) DOCX(w io.Writer, title string) error {
	type text struct {
		Space string `xml:"xml:space,attr"`
		Value string `xml:",chardata"`
	}
	type run struct {
		Props *struct {
			Bold *struct{} `xml:"w:b"`
			Size *struct {
				Val int `xml:"w:val,attr"`
			} `xml:"w:sz"`
		} `xml:"w:rPr"`
		Text text `xml:"w:t"`
	}
	type para struct {
		Runs []run `xml:"w:r"`
	}
	type body struct {
		Paras []para `xml:"w:p"`
	}
	type document struct {
		XMLName xml.Name `xml:"w:document"`
		NS      string   `xml:"xmlns:w,attr"`
		Body    body     `xml:"w:body"`
	}
	heading := func(s string, size int) para {
		rn := run{Text: text{Space: "preserve", Value: s}}
		rn.Props = &struct {
			Bold *struct{} `xml:"w:b"`
			Size *struct {
				Val int `xml:"w:val,attr"`
			} `xml:"w:sz"`
		}{Bold: &struct{}{}, Size: &struct {
			Val int `xml:"w:val,attr"`
		}{Val: size}}
		return para{Runs: []run{rn}}
	}
	doc := document{NS: "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
	doc.Body.Paras = append(doc.Body.Paras, heading(title, 36))
	plain := func(t string) para { return para{Runs: []run{{Text: text{Space: "preserve", Value: "　　" + t}}}} }
	if t := r.Narrative["intro"]; t != "" {
		doc.Body.Paras = append(doc.Body.Paras, plain(t))
	}
	for _, p := range r.Parts {
		t := r.partText(p)
		if t == "" {
			continue
		}
		doc.Body.Paras = append(doc.Body.Paras, heading(p.Title, 28), plain(t))
	}
	if t := r.Narrative["outro"]; t != "" {
		doc.Body.Paras = append(doc.Body.Paras, plain(t))
	}
	docXML, err := xml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("docx: %w", err)
	}
	z := zip.NewWriter(w)
	parts := []struct{ name, data string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", xml.Header + string(docXML)},
	}
	for _, p := range parts {
		f, err := z.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.data); err != nil {
			return err
		}
	}
	return z.Close()
}
