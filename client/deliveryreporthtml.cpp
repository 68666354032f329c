#include "client/deliveryreport.h"
#include "client/deliveryreportsvg_p.h"

#include <algorithm>

// DeliveryReport::html(): one page, no network (a Content-Security-Policy
// forbids every fetch and every script), so a report can be mailed or
// archived and still open the same way. Every string from the report is
// untrusted (room names, ids come from chat users) and escaped.
namespace farmchat {

namespace {

constexpr qsizetype kMaxMatrixRows = 2000;
constexpr qint64 kMinuteMs = 60000;

// The page's one style sheet, inline: its CSP lets it fetch nothing.
constexpr char kCss[]
    = ":root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--soft:#eaeef2;--bg:#f6f8fa;"
      "--ok:#1a7f37;--bad:#cf222e}\n"
      "*{box-sizing:border-box}\n"
      "body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,"
      "-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",\"Helvetica Neue\",Arial,sans-serif}\n"
      ".wrap{max-width:1200px;margin:0 auto;padding:24px 20px 40px}\n"
      ".card{background:#fff;border:1px solid var(--line);border-radius:10px;"
      "padding:18px 22px;margin-bottom:16px}\n"
      "h1{font-size:24px;line-height:1.25;margin:0 0 6px;display:flex;align-items:center;"
      "gap:12px;flex-wrap:wrap}\n"
      "h2{font-size:16px;margin:0 0 12px}\n"
      ".muted,.desc{color:var(--muted)}\n"
      ".desc{margin:0 0 12px}\n"
      ".badge{font-size:12px;font-weight:700;letter-spacing:.06em;padding:3px 10px;"
      "border-radius:999px;color:#fff}\n"
      ".badge.pass{background:var(--ok)}.badge.fail{background:var(--bad)}\n"
      "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 18px;margin:0}\n"
      "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}\n"
      ".error{margin-top:12px;padding:10px 14px;border-radius:6px;background:#ffebe9;"
      "border:1px solid #ffcecb;color:#82071e}\n"
      "ul.chips{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:0 0 8px}\n"
      "ul.chips li{background:var(--bg);border:1px solid var(--line);border-radius:6px;"
      "padding:1px 10px}\n"
      ".scroll{overflow-x:auto}\n"
      "table{border-collapse:collapse;width:100%}\n"
      "th,td{padding:6px 10px;border-bottom:1px solid var(--soft);text-align:left;"
      "vertical-align:baseline}\n"
      "th{font-size:12px;font-weight:600;color:var(--muted);background:var(--bg);"
      "white-space:nowrap}\n"
      ".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
      "td.zero{color:#afb8c1}td.bad{color:var(--bad);font-weight:600}\n"
      "tr.group td{border-bottom:none}\n"
      "tr.verdict td{font-size:13px;color:var(--muted);border-bottom:1px solid var(--line);"
      "padding-top:0}\n"
      ".ok{color:var(--ok)}.ko{color:var(--bad)}\n"
      ".pill{display:inline-block;font-size:12px;font-weight:600;padding:0 8px;"
      "border-radius:999px;border:1px solid transparent}\n"
      ".pill.pass{background:#dafbe1;color:#116329}.pill.fail{background:#ffebe9;"
      "color:#a40e26}\n"
      "tr.failed td{background:#fff8f7}\n"
      ".kind{background:var(--bg);border-color:var(--line);color:var(--muted)}\n"
      ".kind.k-fault,.kind.k-error{background:#ffebe9;color:#a40e26}.kind.k-heal{"
      "background:#dafbe1;color:#116329}\n"
      ".kind.k-phase{background:#ddf4ff;color:#0550ae}.kind.k-mode{background:#fbefff;"
      "color:#6e40c9}\n"
      "code,.mono{font-family:ui-monospace,SFMono-Regular,\"SF Mono\",Menlo,Consolas,monospace;"
      "font-size:12px}\n"
      "svg{display:block;width:100%;height:auto;font-family:inherit}\n"
      "svg.cdf{max-width:1000px}\n"
      "table.totals th{white-space:normal;vertical-align:bottom;padding:6px 7px}\n"
      "table.totals td{padding:6px 7px}table.totals td:first-child{white-space:nowrap}\n"
      ".grid{stroke:var(--soft)}.axis{stroke:#8c959f}\n"
      ".tick{font-size:11px;fill:var(--muted)}.label{font-size:12px;fill:var(--fg)}\n"
      ".legend{fill:#fff;stroke:var(--line);opacity:.92}\n"
      ".band{stroke:#b6e3ff}.band0{fill:#ddf4ff}.band1{fill:#eef8ff}\n"
      ".bandlabel{font-size:11px;fill:#0550ae}\n"
      ".m-fault{fill:var(--bad)}.m-heal{fill:var(--ok)}.m-mode{fill:#8250df}.m-step{"
      "fill:#8c959f}\n"
      ".m-error{stroke:var(--bad);stroke-width:2.5}.m-phase{stroke:#54aeff;"
      "stroke-dasharray:2 2}\n"
      ".keys{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;color:var(--muted);"
      "margin:6px 0 10px}\n"
      ".events{margin-top:12px}.events td:nth-child(-n+2),.events th:nth-child(-n+2){"
      "width:1%;white-space:nowrap}\n"
      "table.matrix td,table.matrix th{padding:3px 8px;font-size:13px}\n"
      "table.matrix th small{display:block;font-weight:400}table.matrix th.c{"
      "text-align:center}\n"
      "table.matrix td.c{text-align:center;width:1%;min-width:64px;font-weight:700;"
      "border:2px solid #fff}\n"
      "table.matrix td.c,.keys b{font-family:system-ui,\"Segoe UI Symbol\","
      "\"Noto Sans Symbols 2\",\"Noto Sans Math\",\"Apple Symbols\",Symbola,sans-serif}\n"
      ".keys b{display:inline-block;min-width:20px;text-align:center;border-radius:4px;"
      "margin-right:4px}\n"
      ".s-delivered{background:#dafbe1;color:#116329}.s-late{background:#fff8c5;"
      "color:#7d4e00}\n"
      ".s-missing{background:#ffebe9;color:#a40e26}.s-duplicated{background:#fbefff;"
      "color:#6e40c9}\n"
      ".s-out-of-order{background:#fff1e5;color:#953800}.s-unexpected{background:#ffd8eb;"
      "color:#99286e}\n"
      ".s-not-expected{color:#afb8c1;font-weight:400}.s-pending{background:#ddf4ff;"
      "color:#0550ae}\n"
      "td.hist{outline:1px dashed #bf8700;outline-offset:-3px}\n"
      ".tag{font-size:11px;padding:0 6px;border-radius:4px;background:#ffebe9;color:#a40e26;"
      "margin-left:4px}\n"
      ".leftout{margin-top:10px;color:var(--muted)}\n"
      "footer{text-align:center;color:var(--muted);font-size:12px}\n";

struct StateLook
{
    const char *name;
    const char *symbol;
    const char *meaning;
};
constexpr StateLook kStates[] = {
    {"delivered", "✓", "delivered"},
    {"late", "◷", "late"},
    {"missing", "✗", "missing"},
    {"duplicated", "⧉", "duplicated"},
    {"out-of-order", "⇅", "out of order"},
    {"unexpected", "!", "unexpected"},
    {"not-expected", "·", "not expected"},
    {"pending", "…", "pending"},
};

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString section(const QString &id, const QString &heading, const QString &body)
{
    return QStringLiteral("<section class=\"card\" id=\"") + id + QStringLiteral("\"><h2>")
        + heading + QStringLiteral("</h2>") + body + QStringLiteral("</section>\n");
}

QString durationText(qint64 ms)
{
    if (ms < kMinuteMs)
        return reportsvg::secondsText(ms) + QStringLiteral(" s");
    return QStringLiteral("%1 min %2 s")
        .arg(QString::number(ms / kMinuteMs), reportsvg::secondsText(ms % kMinuteMs));
}

QString msText(qint64 ms)
{
    return ms < 0 ? QStringLiteral("—") : QString::number(ms) + QStringLiteral(" ms");
}

QString pageHead(const QString &title)
{
    return QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                          "'none'; style-src 'unsafe-inline'\"><title>")
        + esc(title) + QStringLiteral(" — FarmChat report</title><style>") + QString::fromUtf8(kCss)
        + QStringLiteral("</style></head>\n<body><div class=\"wrap\">\n");
}

QString headerCard(const DeliveryReport &r)
{
    QString out = QStringLiteral("<header class=\"card\" id=\"summary\"><h1>") + esc(r.title)
        + (r.passed ? QStringLiteral(" <span class=\"badge pass\">PASS</span>")
                    : QStringLiteral(" <span class=\"badge fail\">FAIL</span>"))
        + QStringLiteral("</h1>");
    if (!r.description.isEmpty())
        out += QStringLiteral("<p class=\"desc\">") + esc(r.description) + QStringLiteral("</p>");
    out += QStringLiteral("<dl class=\"meta\"><dt>Started</dt><dd>")
        + (r.startedAt.isEmpty() ? QStringLiteral("—") : esc(r.startedAt))
        + QStringLiteral("</dd><dt>Duration</dt><dd>") + durationText(r.durationMs)
        + QStringLiteral("</dd><dt>Source</dt><dd>")
        + (r.source.isEmpty()
                ? QStringLiteral("desktop session")
                : QStringLiteral("<code>") + esc(r.source) + QStringLiteral("</code>"))
        + QStringLiteral("</dd><dt>Messages</dt><dd>") + QString::number(r.rows.size())
        + QStringLiteral(" across ") + QString::number(r.panes.size())
        + QStringLiteral(" panes</dd></dl>");
    if (!r.error.isEmpty())
        out += QStringLiteral("<div class=\"error\"><strong>The run stopped early:</strong> ")
            + esc(r.error) + QStringLiteral("</div>");
    return out + QStringLiteral("</header>\n");
}

QString chips(const QStringList &items)
{
    QString out = QStringLiteral("<ul class=\"chips\">");
    for (const QString &item : items)
        out += QStringLiteral("<li>") + item + QStringLiteral("</li>");
    return out + QStringLiteral("</ul>");
}

QString farmCard(const DeliveryReport &r)
{
    QStringList farm, panes;
    for (const QString &line : r.farm)
        farm.append(esc(line));
    for (const DeliveryReport::Pane &p : r.panes)
        panes.append(QStringLiteral("<b>") + esc(p.id)
            + QStringLiteral("</b> <span class=\"muted\">on ") + esc(p.node)
            + QStringLiteral("</span>"));
    QString body
        = farm.isEmpty() ? QStringLiteral("<p class=\"muted\">Not described.</p>") : chips(farm);
    body += QStringLiteral("<h2>Chat panes</h2>")
        + (panes.isEmpty() ? QStringLiteral("<p class=\"muted\">None.</p>") : chips(panes));
    return section(QStringLiteral("farm"), QStringLiteral("The farm"), body);
}

QString expectationsCard(const QList<DeliveryReport::Expectation> &expectations)
{
    if (expectations.isEmpty()) {
        return section(QStringLiteral("expectations"), QStringLiteral("Expectations"),
            QStringLiteral("<p class=\"muted\">No expectations were checked.</p>"));
    }
    QString body = QStringLiteral("<table><thead><tr><th>Expectation</th><th class=\"num\">"
                                  "Measured</th><th>Result</th></tr></thead><tbody>");
    for (const DeliveryReport::Expectation &e : expectations) {
        body += (e.passed ? QStringLiteral("<tr>") : QStringLiteral("<tr class=\"failed\">"))
            + QStringLiteral("<td>") + esc(e.text) + QStringLiteral("</td><td class=\"num\">")
            + esc(e.measured) + QStringLiteral("</td><td>")
            + (e.passed ? QStringLiteral("<span class=\"pill pass\">✓ pass</span>")
                        : QStringLiteral("<span class=\"pill fail\">✗ fail</span>"))
            + QStringLiteral("</td></tr>");
    }
    return section(QStringLiteral("expectations"), QStringLiteral("Expectations"),
        body + QStringLiteral("</tbody></table>"));
}

// One number of a verdict; the ones that break a promise stand out.
QString countCell(int n, bool breaks = false)
{
    const QString cls = n == 0 ? QStringLiteral("num zero")
        : breaks               ? QStringLiteral("num bad")
                               : QStringLiteral("num");
    return QStringLiteral("<td class=\"") + cls + QStringLiteral("\">") + QString::number(n)
        + QStringLiteral("</td>");
}

QString groupRows(const DeliveryReport::Group &g, bool phases, int columns)
{
    const DeliveryVerdict &v = g.verdict;
    QString out = QStringLiteral("<tr class=\"group\"><td><b>")
        + (g.name.isEmpty() ? QStringLiteral("(none)") : esc(g.name)) + QStringLiteral("</b></td>")
        + countCell(v.messages) + countCell(v.kept) + countCell(v.delivered) + countCell(v.late)
        + countCell(v.lostCounted) + countCell(v.lostUncounted, true) + countCell(v.missedWhileAway)
        + countCell(v.duplicated, true) + countCell(v.outOfOrder, true)
        + countCell(v.unexpected, true) + countCell(v.pending)
        + QStringLiteral("<td class=\"num\">") + msText(g.p50Ms)
        + QStringLiteral("</td><td class=\"num\">") + msText(g.p99Ms) + QStringLiteral("</td>")
        + (phases ? countCell(g.historyResets) : QString()) + QStringLiteral("</tr>");
    out += QStringLiteral("<tr class=\"verdict\"><td colspan=\"%1\">").arg(columns)
        + (v.promiseKept() ? QStringLiteral("<span class=\"ok\">✓</span> ")
                           : QStringLiteral("<span class=\"ko\">✗</span> "))
        + esc(v.text()) + QStringLiteral("</td></tr>");
    return out;
}

QString groupCard(const QString &id, const QString &heading,
    const QList<DeliveryReport::Group> &groups, bool phases)
{
    if (groups.isEmpty()) {
        return section(
            id, heading, QStringLiteral("<p class=\"muted\">No messages in this grouping.</p>"));
    }
    QStringList heads {phases ? QStringLiteral("Phase") : QStringLiteral("Mode"),
        QStringLiteral("Messages"), QStringLiteral("Kept"), QStringLiteral("Delivered"),
        QStringLiteral("Late"), QStringLiteral("Lost, counted"), QStringLiteral("Lost, uncounted"),
        QStringLiteral("Missed away"), QStringLiteral("Duplicated"), QStringLiteral("Out of order"),
        QStringLiteral("Unexpected"), QStringLiteral("Pending"), QStringLiteral("p50"),
        QStringLiteral("p99")};
    if (phases)
        heads.append(QStringLiteral("History resets"));
    QString body = QStringLiteral("<div class=\"scroll\"><table class=\"totals\"><thead><tr>");
    for (qsizetype i = 0; i < heads.size(); ++i) {
        body += (i == 0 ? QStringLiteral("<th>") : QStringLiteral("<th class=\"num\">"))
            + heads.at(i) + QStringLiteral("</th>");
    }
    body += QStringLiteral("</tr></thead><tbody>");
    for (const DeliveryReport::Group &g : groups)
        body += groupRows(g, phases, int(heads.size()));
    return section(id, heading, body + QStringLiteral("</tbody></table></div>"));
}

QString latencyCard(const QList<DeliveryReport::Group> &modes)
{
    return section(QStringLiteral("latency"), QStringLiteral("Latency per backplane mode"),
        QStringLiteral("<p class=\"muted\">Share of first live arrivals (History excluded) "
                       "within a given latency after the send.</p>")
            + reportsvg::latencyCdf(modes));
}

// A CSS class from an event's kind: letters, digits and dashes only.
QString kindClass(const QString &kind)
{
    QString out;
    for (const QChar c : kind)
        out += c.isLetterOrNumber() && c.unicode() < 128 ? c.toLower() : QLatin1Char('-');
    return out;
}

QString timelineCard(const QList<DeliveryReport::Event> &events, qint64 durationMs)
{
    if (events.isEmpty()) {
        return section(QStringLiteral("timeline"), QStringLiteral("Timeline"),
            QStringLiteral("<p class=\"muted\">No events recorded.</p>"));
    }
    QString body = reportsvg::timelineStrip(events, durationMs)
        + QStringLiteral("<div class=\"keys\"><span><b style=\"color:#cf222e\">▼</b>fault</span>"
                         "<span><b style=\"color:#1a7f37\">▲</b>heal</span>"
                         "<span><b style=\"color:#0550ae\">▮</b>phase</span>"
                         "<span><b style=\"color:#8250df\">◆</b>mode</span>"
                         "<span><b style=\"color:#cf222e\">✕</b>error</span>"
                         "<span><b style=\"color:#8c959f\">●</b>step, note</span></div>"
                         "<table class=\"events\"><thead><tr><th class=\"num\">Time (s)</th>"
                         "<th>Kind</th><th>What</th></tr></thead><tbody>");
    for (const DeliveryReport::Event &e : events) {
        body += QStringLiteral("<tr><td class=\"num mono\">") + reportsvg::secondsText(e.atMs)
            + QStringLiteral("</td><td><span class=\"pill kind k-") + kindClass(e.kind)
            + QStringLiteral("\">") + esc(e.kind) + QStringLiteral("</span></td><td>") + esc(e.text)
            + QStringLiteral("</td></tr>");
    }
    return section(QStringLiteral("timeline"), QStringLiteral("Timeline"),
        body + QStringLiteral("</tbody></table>"));
}

const StateLook *lookOf(const QString &state)
{
    for (const StateLook &look : kStates) {
        if (state == QLatin1String(look.name))
            return &look;
    }
    return nullptr;
}

QString matrixCell(const DeliveryReport::Cell &cell)
{
    const StateLook *look = lookOf(cell.state);
    QString title = look ? QString::fromUtf8(look->meaning) : esc(cell.state);
    if (cell.latencyMs >= 0)
        title += QStringLiteral(" · ") + QString::number(cell.latencyMs) + QStringLiteral(" ms");
    if (cell.viaHistory)
        title += QStringLiteral(" · through History");
    return QStringLiteral("<td class=\"c s-")
        + (look ? QString::fromUtf8(look->name) : QStringLiteral("unknown"))
        + (cell.viaHistory ? QStringLiteral(" hist") : QString()) + QStringLiteral("\" title=\"")
        + title + QStringLiteral("\">")
        + (look ? QString::fromUtf8(look->symbol) : QStringLiteral("?")) + QStringLiteral("</td>");
}

QString matrixRow(const DeliveryReport::Row &row)
{
    const QString shortId = row.id.size() > 14 ? row.id.left(12) + QStringLiteral("…") : row.id;
    QString out = QStringLiteral("<tr><td class=\"mono\" title=\"") + esc(row.id)
        + QStringLiteral("\">") + esc(shortId)
        + (row.refused ? QStringLiteral("<span class=\"tag\">refused</span>") : QString())
        + (row.warned ? QStringLiteral("<span class=\"tag\" title=\"the node warned the sender\">"
                                       "warned</span>")
                      : QString())
        + QStringLiteral("</td><td>") + esc(row.phase) + QStringLiteral("</td><td>")
        + esc(row.sender) + QStringLiteral("</td><td>") + esc(row.room)
        + QStringLiteral("</td><td>") + esc(row.mode)
        + QStringLiteral("</td><td class=\"num mono\">") + reportsvg::secondsText(row.sentAtMs)
        + QStringLiteral("</td>");
    for (const DeliveryReport::Cell &cell : row.cells)
        out += matrixCell(cell);
    return out + QStringLiteral("</tr>");
}

QString matrixKeys()
{
    QString out = QStringLiteral("<div class=\"keys\">");
    for (const StateLook &look : kStates) {
        out += QStringLiteral("<span><b class=\"s-") + QString::fromUtf8(look.name)
            + QStringLiteral("\">") + QString::fromUtf8(look.symbol) + QStringLiteral("</b>")
            + QString::fromUtf8(look.meaning) + QStringLiteral("</span>");
    }
    return out + QStringLiteral("<span>dashed: through History</span></div>");
}

QString matrixCard(const DeliveryReport &r)
{
    QString body = matrixKeys()
        + QStringLiteral("<div class=\"scroll\"><table class=\"matrix\" id=\"matrix-table\">"
                         "<thead><tr><th>Id</th><th>Phase</th><th>Sender</th><th>Room</th>"
                         "<th>Mode</th><th class=\"num\">Sent (s)</th>");
    for (const DeliveryReport::Pane &p : r.panes) {
        body += QStringLiteral("<th class=\"c\">") + esc(p.id) + QStringLiteral(" <small>(")
            + esc(p.node) + QStringLiteral(")</small></th>");
    }
    body += QStringLiteral("</tr></thead><tbody>");
    const qsizetype shown = std::min(r.rows.size(), kMaxMatrixRows);
    for (qsizetype i = 0; i < shown; ++i)
        body += matrixRow(r.rows.at(i));
    body += QStringLiteral("</tbody></table></div>");
    if (r.rows.isEmpty())
        body += QStringLiteral("<p class=\"leftout\">No messages were sent.</p>");
    if (shown < r.rows.size()) {
        body += QStringLiteral("<p class=\"leftout\">Showing the first %1 of %2 messages: %3 left "
                               "out here. The CSV beside this page has every one.</p>")
                    .arg(shown)
                    .arg(r.rows.size())
                    .arg(r.rows.size() - shown);
    }
    return section(QStringLiteral("matrix"), QStringLiteral("Delivery matrix"), body);
}

} // namespace

QByteArray DeliveryReport::html() const
{
    QString page = pageHead(title) + headerCard(*this) + farmCard(*this)
        + expectationsCard(expectations)
        + groupCard(QStringLiteral("modes"), QStringLiteral("Per backplane mode"), modes, false)
        + groupCard(QStringLiteral("phases"), QStringLiteral("Per phase"), phases, true)
        + latencyCard(modes) + timelineCard(timeline, durationMs) + matrixCard(*this)
        + QStringLiteral("<footer>FarmChat report · farmchat-report/1</footer>\n"
                         "</div></body></html>\n");
    return page.toUtf8();
}

} // namespace farmchat
