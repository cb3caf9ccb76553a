package attach

import (
	"archive/zip"
	"bytes"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"
)

// Content types the service knows by name.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeGIF  = "image/gif"
	TypeWebP = "image/webp"
	TypePDF  = "application/pdf"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeText = "text/plain"

	// Refused by default: Office files with macros, executables, scripts.
	TypeXLSM     = "application/vnd.ms-excel.sheet.macroEnabled.12"
	TypeDOCM     = "application/vnd.ms-word.document.macroEnabled.12"
	TypeZIP      = "application/zip"
	typeExePE    = "application/x-msdownload"
	typeExeELF   = "application/x-executable"
	typeExeMachO = "application/x-mach-binary"
	typeScript   = "text/x-shellscript"
)

// DefaultTypes are the content types accepted by default: JPEG, PNG, GIF and
// WebP images, PDF, xlsx, docx and plain text.
func DefaultTypes() []string {
	return []string{TypeJPEG, TypePNG, TypeGIF, TypeWebP, TypePDF, TypeXLSX, TypeDOCX, TypeText}
}

// Sniff detects the content type from the content alone: head is the first
// (up to) 512 bytes; ra and size give the whole file, needed to look inside
// ZIP containers for xl/ (xlsx) or word/ (docx) entries. ra may be nil,
// in which case ZIP files stay application/zip. The result may carry
// parameters ("text/plain; charset=utf-8").
func Sniff(head []byte, ra io.ReaderAt, size int64) string {
	if len(head) > 512 {
		head = head[:512]
	}
	switch {
	case bytes.HasPrefix(head, []byte("MZ")):
		return typeExePE
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return typeExeELF
	case bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xce}), bytes.HasPrefix(head, []byte{0xfe, 0xed, 0xfa, 0xcf}),
		bytes.HasPrefix(head, []byte{0xce, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(head, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return typeExeMachO
	case bytes.HasPrefix(head, []byte("#!")):
		return typeScript
	}
	ct := http.DetectContentType(head)
	switch mediaType(ct) {
	case TypeZIP:
		if ra != nil {
			return sniffZip(ra, size)
		}
	case TypeText:
		if strings.Contains(ct, "charset=utf-8") && !utf8.Valid(trimPartialRune(head)) {
			// Probably GBK: say nothing rather than the wrong charset.
			return TypeText
		}
	}
	return ct
}

// sniffZip tells Office Open XML files from other ZIP archives by their
// entries. Macro-enabled files (with a vbaProject.bin) are reported as such.
func sniffZip(ra io.ReaderAt, size int64) string {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return TypeZIP
	}
	var xl, word, macros bool
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case strings.HasPrefix(name, "xl/"):
			xl = true
		case strings.HasPrefix(name, "word/"):
			word = true
		}
		if path.Base(name) == "vbaproject.bin" {
			macros = true
		}
	}
	switch {
	case xl && macros:
		return TypeXLSM
	case word && macros:
		return TypeDOCM
	case xl:
		return TypeXLSX
	case word:
		return TypeDOCX
	}
	return TypeZIP
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of
// the sniffed prefix.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// mediaType strips parameters and lowercases: "text/plain; charset=utf-8"
// → "text/plain".
func mediaType(ct string) string {
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// typeName describes a content type in Chinese for messages.
func typeName(ct string) string {
	switch mediaType(ct) {
	case TypeJPEG:
		return "JPEG 图片"
	case TypePNG:
		return "PNG 图片"
	case TypeGIF:
		return "GIF 图片"
	case TypeWebP:
		return "WebP 图片"
	case TypePDF:
		return "PDF 文档"
	case TypeXLSX:
		return "Excel 表格（xlsx）"
	case TypeDOCX:
		return "Word 文档（docx）"
	case TypeText:
		return "纯文本"
	case strings.ToLower(TypeXLSM):
		return "含宏的 Excel 表格"
	case strings.ToLower(TypeDOCM):
		return "含宏的 Word 文档"
	case TypeZIP:
		return "ZIP 压缩包"
	case typeExePE, typeExeELF, typeExeMachO:
		return "可执行程序"
	case typeScript:
		return "脚本文件"
	case "text/html":
		return "HTML 网页"
	case "text/xml":
		return "XML 文档"
	case "application/x-gzip", "application/x-rar-compressed":
		return "压缩包"
	case "application/octet-stream":
		return "未知二进制文件"
	}
	return ct
}

// extensions lists the file name extensions that fit a content type; the
// first is added to a stored name that has none of them.
func extensions(ct string) []string {
	switch mediaType(ct) {
	case TypeJPEG:
		return []string{".jpg", ".jpeg", ".jpe", ".jfif"}
	case TypePNG:
		return []string{".png"}
	case TypeGIF:
		return []string{".gif"}
	case TypeWebP:
		return []string{".webp"}
	case TypePDF:
		return []string{".pdf"}
	case TypeXLSX:
		return []string{".xlsx"}
	case TypeDOCX:
		return []string{".docx"}
	case TypeText:
		return []string{".txt", ".csv", ".log", ".md", ".text"}
	}
	return nil
}

// PhotoOrPDF reports whether a sniffed content type is a photo (any image
// type) or a PDF: what evidence and reports (整改照片, 鉴定报告) may be.
func PhotoOrPDF(ct string) bool {
	return strings.HasPrefix(ct, "image/") || ct == TypePDF
}
