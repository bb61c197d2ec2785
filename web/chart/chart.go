// Package chart draws the planner's charts with gonum/plot: refund
// exposure and the probability of a refund against staffing, a promotion
// day hour by hour, and a roster's coverage. Charts render to PNG or SVG
// on any io.Writer.
//
// # Text
//
// Labels are bilingual (English · 中文) when a CJK font is loaded
// ([LoadCJK], e.g. Debian's fonts-noto-cjk, found by [FindCJKFont]) and
// English otherwise: gonum/plot's embedded Liberation fonts have no CJK
// glyphs, and embedding a CJK font in the binary would add megabytes. An
// SVG names the font's family and leaves drawing it to the viewer.
//
// # Layout
//
// Legends sit below the plotting area, never over the data; titles are
// wrapped to the chart's width; hour axes are labelled in local clock
// time (00:00 … 23:00), and with dates when a scenario spans days.
package chart

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"strings"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Style is how charts draw text: the fonts, and whether labels carry
// Chinese. Make one with [English] or [LoadCJK]; it is safe for
// concurrent use.
type Style struct {
	fonts *font.Cache
	face  font.Font
	cjk   bool
	name  string
}

// English returns the style of gonum/plot's Liberation fonts, with
// English labels.
func English() *Style {
	return &Style{fonts: font.NewCache(liberation.Collection()), face: font.Font{Typeface: "Liberation", Variant: "Sans"}, name: "Liberation Sans"}
}

// CJKFontPaths are where FindCJKFont looks: Debian's and Fedora's Noto
// Sans CJK, and the WenQuanYi fonts of older systems.
var CJKFontPaths = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
}

// FindCJKFont returns the first of CJKFontPaths that exists, or "".
func FindCJKFont() string {
	for _, p := range CJKFontPaths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// LoadCJK loads a CJK font file (a .ttc collection or a single .ttf or
// .otf) and returns a style with bilingual labels. In a collection it
// takes the Simplified Chinese face when it has one.
func LoadCJK(path string) (*Style, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load CJK font: %w", err)
	}
	coll, err := opentype.ParseCollection(b)
	if err != nil {
		return nil, fmt.Errorf("load CJK font %s: %w", path, err)
	}
	var buf sfnt.Buffer
	var pick *opentype.Font
	family := ""
	for i := range coll.NumFonts() {
		f, err := coll.Font(i)
		if err != nil {
			continue
		}
		name, err := f.Name(&buf, sfnt.NameIDFamily)
		if err != nil {
			continue
		}
		if pick == nil || strings.Contains(name, " SC") {
			pick, family = f, name
		}
		if strings.Contains(name, " SC") {
			break
		}
	}
	if pick == nil {
		return nil, fmt.Errorf("load CJK font %s: %w", path, errors.New("no usable face in the file"))
	}
	face := font.Font{Typeface: font.Typeface(family)}
	return &Style{fonts: font.NewCache(font.Collection{{Font: face, Face: pick}}), face: face, cjk: true, name: family + " (" + path + ")"}, nil
}

// Default returns the CJK style when a CJK font is installed, English
// otherwise, and says which it chose (for the command's output).
func Default() (*Style, string) {
	if p := FindCJKFont(); p != "" {
		if s, err := LoadCJK(p); err == nil {
			return s, "chart labels in English and Chinese, font " + s.name
		}
	}
	return English(), "chart labels in English: no CJK font found (install fonts-noto-cjk for Chinese labels)"
}

// CJK reports whether the style labels charts in Chinese as well.
func (s *Style) CJK() bool { return s.cjk }

// Font names the style's font.
func (s *Style) Font() string { return s.name }

// label returns "English · 中文" with a CJK font, the English otherwise.
func (s *Style) label(en, zh string) string {
	if s.cjk {
		return en + " · " + zh
	}
	return en
}

func (s *Style) textStyle(size float64) text.Style {
	return text.Style{Color: color.Black, Font: font.From(s.face, vg.Points(size)), XAlign: draw.XCenter, YAlign: draw.YTop,
		Handler: text.Plain{Fonts: s.fonts}}
}

// newPlot returns a plot whose every text uses the style's fonts.
func (s *Style) newPlot() *plot.Plot {
	p := plot.New()
	h := text.Plain{Fonts: s.fonts}
	p.TextHandler = h
	p.Title.TextStyle = s.textStyle(12)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font, a.Label.TextStyle.Handler = font.From(s.face, 11), h
		a.Tick.Label.Font, a.Tick.Label.Handler = font.From(s.face, 10), h
	}
	p.Legend.TextStyle.Font, p.Legend.TextStyle.Handler = font.From(s.face, 10), h
	return p
}

// Chart is a figure: a title, one or more plots stacked with their data
// areas aligned, and a legend below them.
type Chart struct {
	Title  string
	Panels []*plot.Plot
	Legend []LegendEntry
	Width  vg.Length
	// PanelHeight is each panel's height.
	PanelHeight vg.Length
	style       *Style
}

// LegendEntry is one line of a chart's legend.
type LegendEntry struct {
	Label  string
	Thumbs []plot.Thumbnailer
}

func (s *Style) newChart(title string, panels ...*plot.Plot) *Chart {
	return &Chart{Title: title, Panels: panels, Width: 10 * vg.Inch, PanelHeight: 4.2 * vg.Inch, style: s}
}

func (c *Chart) add(label string, thumbs ...plot.Thumbnailer) {
	c.Legend = append(c.Legend, LegendEntry{Label: label, Thumbs: thumbs})
}

// legendColumns splits the legend in two columns when it has more than
// three entries.
func (c *Chart) legendColumns() [][]LegendEntry {
	if len(c.Legend) <= 3 {
		return [][]LegendEntry{c.Legend}
	}
	half := (len(c.Legend) + 1) / 2
	return [][]LegendEntry{c.Legend[:half], c.Legend[half:]}
}

const pad = 8 // points around the title and the legend

// wrap breaks a title into lines no wider than width.
func wrap(st text.Style, s string, width vg.Length) string {
	words := strings.Fields(s)
	var lines []string
	line := ""
	for _, w := range words {
		try := w
		if line != "" {
			try = line + " " + w
		}
		if line != "" && st.Width(try) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		line = try
	}
	return strings.Join(append(lines, line), "\n")
}

// Size returns the chart's width and height.
func (c *Chart) Size() (vg.Length, vg.Length) {
	title := c.style.textStyle(13)
	h := vg.Length(len(c.Panels))*c.PanelHeight + title.Height(wrap(title, c.Title, c.Width-2*pad)) + 2*pad
	return c.Width, h + c.legendHeight()
}

func (c *Chart) legendHeight() vg.Length {
	rows := 0
	for _, col := range c.legendColumns() {
		rows = max(rows, len(col))
	}
	st := c.style.textStyle(10)
	return vg.Length(rows)*st.Height("Ag")*1.35 + 2*pad
}

// Draw draws the chart on dc: the title on top, the panels, the legend
// below.
func (c *Chart) Draw(dc draw.Canvas) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	title := c.style.textStyle(13)
	t := wrap(title, c.Title, c.Width-2*pad)
	top := dc.Max.Y - pad
	dc.FillText(title, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: top}, t)
	top -= title.Height(t) + pad
	lh := c.legendHeight()
	area := dc
	area.Max.Y = top
	area.Min.Y = dc.Min.Y + lh
	tiles := draw.Tiles{Rows: len(c.Panels), Cols: 1, PadX: pad, PadY: pad, PadLeft: pad, PadRight: 2 * pad}
	grid := make([][]*plot.Plot, len(c.Panels))
	for i, p := range c.Panels {
		grid[i] = []*plot.Plot{p}
	}
	for i, row := range plot.Align(grid, tiles, area) {
		c.Panels[i].Draw(row[0])
	}
	cols := c.legendColumns()
	width := (dc.Max.X - dc.Min.X - 2*pad) / vg.Length(len(cols))
	for i, col := range cols {
		l := plot.NewLegend()
		l.TextStyle.Font, l.TextStyle.Handler = font.From(c.style.face, 10), text.Plain{Fonts: c.style.fonts}
		l.Top, l.Left = true, true
		l.ThumbnailWidth = vg.Points(24)
		for _, e := range col {
			l.Add(e.Label, e.Thumbs...)
		}
		lc := dc
		lc.Min.X = dc.Min.X + 3*pad + vg.Length(i)*width
		lc.Max.X = lc.Min.X + width
		lc.Min.Y, lc.Max.Y = dc.Min.Y+pad, dc.Min.Y+lh-pad
		l.Draw(lc)
	}
}

// Write renders c as format ("png" or "svg") to w.
func Write(w io.Writer, c *Chart, format string) error {
	width, height := c.Size()
	var canvas interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case "png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96))}
	case "svg":
		canvas = vgsvg.New(width, height)
	default:
		return fmt.Errorf("render %s: want png or svg", format)
	}
	c.Draw(draw.New(canvas))
	if _, err := canvas.WriteTo(w); err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	return nil
}
