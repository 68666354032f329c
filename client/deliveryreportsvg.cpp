#include "client/deliveryreportsvg_p.h"

#include <QList>

#include <algorithm>
#include <cmath>
#include <utility>

namespace farmchat::reportsvg {

namespace {

QString num(double v)
{
    return QString::number(v, 'f', 1);
}

// 1, 2 or 5 times a power of ten, near span / wanted.
double niceStep(double span, int wanted)
{
    const double raw = std::max(span / wanted, 1e-9);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0}) {
        if (raw <= m * power)
            return m * power;
    }
    return 10.0 * power;
}

// The x axis of the CDF: linear from 0, or logarithmic over whole decades
// when the latencies span more than that.
struct Axis
{
    bool log = false;
    double lo = 0, hi = 1;
    double left = 0, right = 1;

    double x(double ms) const
    {
        const double v = std::clamp(ms, lo, hi);
        const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                             : (v - lo) / (hi - lo);
        return left + t * (right - left);
    }
    QList<double> ticks() const
    {
        QList<double> out;
        if (log) {
            for (double decade = lo; decade <= hi * 1.0001; decade *= 10) {
                for (const double m : {1.0, 2.0, 5.0}) {
                    if (m * decade <= hi * 1.0001)
                        out.append(m * decade);
                }
            }
            return out;
        }
        const double step = niceStep(hi - lo, 8);
        for (double v = lo; v <= hi + step / 2; v += step)
            out.append(v);
        return out;
    }
};

Axis axisFor(const QList<DeliveryReport::Group> &modes, double left, double right)
{
    qint64 lo = -1, hi = 0;
    for (const DeliveryReport::Group &g : modes) {
        if (g.latenciesMs.isEmpty())
            continue;
        lo = lo < 0 ? g.latenciesMs.first() : std::min(lo, g.latenciesMs.first());
        hi = std::max(hi, g.latenciesMs.last());
    }
    Axis axis;
    axis.left = left;
    axis.right = right;
    axis.log = hi >= 20 * std::max<qint64>(lo, 1);
    if (axis.log) {
        axis.lo = std::pow(10.0, std::floor(std::log10(double(std::max<qint64>(lo, 1)))));
        axis.hi = std::pow(10.0, std::ceil(std::log10(double(hi))));
    } else {
        const double step = niceStep(std::max<double>(double(hi), 1.0), 8);
        axis.lo = 0;
        axis.hi = std::ceil(std::max<double>(double(hi), 1.0) / step) * step;
    }
    return axis;
}

// At most ~400 steps per line, whatever the number of latencies.
QList<std::pair<qint64, double>> cdfSteps(const QList<qint64> &sorted)
{
    QList<std::pair<qint64, double>> out;
    const qsizetype n = sorted.size();
    const qsizetype steps = std::min<qsizetype>(n, 400);
    for (qsizetype k = 1; k <= steps; ++k) {
        const qsizetype rank = (k * n + steps - 1) / steps;
        out.append({sorted.at(rank - 1), double(rank) / double(n)});
    }
    return out;
}

QString cdfLine(const DeliveryReport::Group &g, const Axis &axis, double top, double bottom)
{
    const auto y = [&](double share) { return bottom - share * (bottom - top); };
    QString points = num(axis.x(double(g.latenciesMs.first()))) + QLatin1Char(',') + num(bottom);
    double share = 0;
    for (const auto &[ms, upTo] : cdfSteps(g.latenciesMs)) {
        const QString x = num(axis.x(double(ms)));
        points += QLatin1Char(' ') + x + QLatin1Char(',') + num(y(share)) + QLatin1Char(' ') + x
            + QLatin1Char(',') + num(y(upTo));
        share = upTo;
    }
    return QStringLiteral("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"")
        + modeColour(g.name) + QStringLiteral("\" points=\"") + points
        + QStringLiteral("\"><title>") + g.name.toHtmlEscaped()
        + QStringLiteral("</title></polyline>");
}

QString cdfGrid(const Axis &axis, double top, double bottom)
{
    QString out;
    for (int pct = 0; pct <= 100; pct += 25) {
        const QString y = num(bottom - pct / 100.0 * (bottom - top));
        out += QStringLiteral("<line class=\"grid\" x1=\"%1\" x2=\"%2\" y1=\"%3\" y2=\"%3\"/>"
                              "<text class=\"tick\" x=\"%4\" y=\"%3\" dy=\"4\" "
                              "text-anchor=\"end\">%5 %</text>")
                   .arg(num(axis.left), num(axis.right), y, num(axis.left - 6))
                   .arg(pct);
    }
    for (const double v : axis.ticks()) {
        const QString x = num(axis.x(v));
        out += QStringLiteral("<line class=\"grid\" x1=\"%1\" x2=\"%1\" y1=\"%2\" y2=\"%3\"/>"
                              "<text class=\"tick\" x=\"%1\" y=\"%4\" text-anchor=\"middle\">"
                              "%5</text>")
                   .arg(x, num(top), num(bottom), num(bottom + 16), QString::number(v, 'g', 6));
    }
    const QString label
        = axis.log ? QStringLiteral("latency (ms, log scale)") : QStringLiteral("latency (ms)");
    out += QStringLiteral("<text class=\"label\" x=\"%1\" y=\"%2\" text-anchor=\"middle\">%3</text>"
                          "<text class=\"label\" transform=\"translate(14 %4) rotate(-90)\" "
                          "text-anchor=\"middle\">arrived (%)</text>")
               .arg(num((axis.left + axis.right) / 2), num(bottom + 36), label,
                   num((top + bottom) / 2));
    return out;
}

QString cdfLegend(const QList<DeliveryReport::Group> &modes, double right, double bottom)
{
    QString out;
    qsizetype longest = 0;
    for (const DeliveryReport::Group &g : modes)
        longest = std::max(longest, g.name.size());
    // About 6.2 px per character of the 11 px text, after the line sample.
    const double rowHeight = 18, width = 44 + 6.2 * double(longest + 28);
    const double x = right - width - 8;
    double y = bottom - 8 - rowHeight * double(modes.size());
    out += QStringLiteral("<rect class=\"legend\" x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\"/>")
               .arg(num(x), num(y - 6), num(width), num(rowHeight * double(modes.size()) + 8));
    for (const DeliveryReport::Group &g : modes) {
        const QString stats = g.latenciesMs.isEmpty()
            ? QStringLiteral("no live arrivals")
            : QStringLiteral("p50 %1 ms · p99 %2 ms").arg(g.p50Ms).arg(g.p99Ms);
        out += QStringLiteral("<line x1=\"%1\" x2=\"%2\" y1=\"%3\" y2=\"%3\" stroke=\"%4\" "
                              "stroke-width=\"3\"/><text class=\"tick\" x=\"%5\" y=\"%3\" "
                              "dy=\"4\"><tspan font-weight=\"600\">%6</tspan> %7</text>")
                   .arg(num(x + 8), num(x + 26), num(y + 6), modeColour(g.name), num(x + 32),
                       g.name.toHtmlEscaped(), stats);
        y += rowHeight;
    }
    return out;
}

// The strip: x from 0 to the run's duration over [kStripLeft, kStripRight].
constexpr double kStripLeft = 12, kStripRight = 988, kBandTop = 6, kBandBottom = 34, kMarkY = 48,
                 kAxisY = 62;

double stripX(qint64 ms, qint64 duration)
{
    return kStripLeft
        + double(std::clamp<qint64>(ms, 0, duration)) / double(duration)
        * (kStripRight - kStripLeft);
}

QString phaseBands(const QList<DeliveryReport::Event> &events, qint64 duration)
{
    QList<const DeliveryReport::Event *> phases;
    for (const DeliveryReport::Event &e : events) {
        if (e.kind == QLatin1String("phase"))
            phases.append(&e);
    }
    QString out;
    for (qsizetype i = 0; i < phases.size(); ++i) {
        const qint64 end = i + 1 < phases.size() ? phases.at(i + 1)->atMs : duration;
        const double x0 = stripX(phases.at(i)->atMs, duration), x1 = stripX(end, duration);
        // About 6.5 px per character of the 11 px label.
        const qsizetype fits = qsizetype((x1 - x0 - 8) / 6.5);
        QString label = phases.at(i)->text;
        if (label.size() > fits)
            label = fits >= 4 ? label.left(fits - 1) + QStringLiteral("…") : QString();
        out += QStringLiteral("<g><title>phase %1 at %2 s</title>"
                              "<rect class=\"band band%3\" x=\"%4\" y=\"%5\" width=\"%6\" "
                              "height=\"%7\" rx=\"3\"/><text class=\"bandlabel\" x=\"%8\" "
                              "y=\"%9\">%10</text></g>")
                   .arg(phases.at(i)->text.toHtmlEscaped(), secondsText(phases.at(i)->atMs),
                       QString::number(i % 2), num(x0), num(kBandTop),
                       num(std::max(x1 - x0 - 1, 1.0)), num(kBandBottom - kBandTop), num(x0 + 5),
                       num(kBandTop + 18), label.toHtmlEscaped());
    }
    return out;
}

QString markerShape(const QString &kind, double x)
{
    const double y = kMarkY;
    if (kind == QLatin1String("fault"))
        return QStringLiteral("<path class=\"m-fault\" d=\"M%1 %2 L%3 %2 L%4 %5 Z\"/>")
            .arg(num(x - 6), num(y - 6), num(x + 6), num(x), num(y + 5));
    if (kind == QLatin1String("heal"))
        return QStringLiteral("<path class=\"m-heal\" d=\"M%1 %2 L%3 %2 L%4 %5 Z\"/>")
            .arg(num(x - 6), num(y + 5), num(x + 6), num(x), num(y - 6));
    if (kind == QLatin1String("error"))
        return QStringLiteral("<path class=\"m-error\" d=\"M%1 %2 L%3 %4 M%1 %4 L%3 %2\"/>")
            .arg(num(x - 5), num(y - 5), num(x + 5), num(y + 5));
    if (kind == QLatin1String("mode"))
        return QStringLiteral("<path class=\"m-mode\" d=\"M%1 %2 L%3 %4 L%1 %5 L%6 %4 Z\"/>")
            .arg(num(x), num(y - 6), num(x + 6), num(y), num(y + 6), num(x - 6));
    if (kind == QLatin1String("phase"))
        return QStringLiteral("<line class=\"m-phase\" x1=\"%1\" x2=\"%1\" y1=\"%2\" y2=\"%3\"/>")
            .arg(num(x), num(kBandTop), num(kAxisY));
    return QStringLiteral("<circle class=\"m-step\" cx=\"%1\" cy=\"%2\" r=\"3\"/>")
        .arg(num(x), num(y));
}

QString timeAxis(qint64 duration)
{
    QString out = QStringLiteral("<line class=\"axis\" x1=\"%1\" x2=\"%2\" y1=\"%3\" y2=\"%3\"/>")
                      .arg(num(kStripLeft), num(kStripRight), num(kAxisY));
    const double step = niceStep(double(duration) / 1000.0, 10);
    for (double s = 0; s * 1000 <= double(duration) + 1; s += step) {
        const double x = stripX(qint64(s * 1000), duration);
        const char *anchor = x < kStripLeft + 10 ? "start"
            : x > kStripRight - 20               ? "end"
                                                 : "middle";
        out += QStringLiteral(
            "<line class=\"axis\" x1=\"%1\" x2=\"%1\" y1=\"%2\" y2=\"%3\"/>"
            "<text class=\"tick\" x=\"%1\" y=\"%4\" text-anchor=\"%5\">%6 s</text>")
                   .arg(num(x), num(kAxisY), num(kAxisY + 4), num(kAxisY + 16),
                       QLatin1String(anchor), QString::number(s, 'g', 6));
    }
    return out;
}

} // namespace

QString secondsText(qint64 ms)
{
    const QString sign = ms < 0 ? QStringLiteral("-") : QString();
    ms = ms < 0 ? -ms : ms;
    return sign + QString::number(ms / 1000) + QLatin1Char('.')
        + QStringLiteral("%1").arg(ms % 1000, 3, 10, QLatin1Char('0'));
}

QString modeColour(const QString &mode)
{
    if (mode == QLatin1String("pubsub"))
        return QStringLiteral("#0969da");
    if (mode == QLatin1String("streams"))
        return QStringLiteral("#bf3989");
    return QStringLiteral("#57606a");
}

QString latencyCdf(const QList<DeliveryReport::Group> &modes)
{
    QList<DeliveryReport::Group> plotted;
    for (const DeliveryReport::Group &g : modes) {
        if (!g.latenciesMs.isEmpty())
            plotted.append(g);
    }
    if (plotted.isEmpty())
        return QStringLiteral("<p class=\"muted\">No live arrivals to plot.</p>");
    const double width = 1000, height = 340, top = 14, bottom = height - 48;
    const Axis axis = axisFor(plotted, 64, width - 18);
    QString out = QStringLiteral("<svg class=\"cdf\" viewBox=\"0 0 %1 %2\" role=\"img\">"
                                 "<title>Latency CDF per backplane mode</title>")
                      .arg(width)
                      .arg(height);
    out += cdfGrid(axis, top, bottom);
    for (const DeliveryReport::Group &g : plotted)
        out += cdfLine(g, axis, top, bottom);
    out += cdfLegend(plotted, axis.right, bottom);
    return out + QStringLiteral("</svg>");
}

QString timelineStrip(const QList<DeliveryReport::Event> &events, qint64 durationMs)
{
    qint64 duration = std::max<qint64>(durationMs, 1);
    for (const DeliveryReport::Event &e : events)
        duration = std::max(duration, e.atMs);
    QString out = QStringLiteral("<svg class=\"strip\" viewBox=\"0 0 1000 84\" role=\"img\">"
                                 "<title>Timeline of the run</title>");
    out += phaseBands(events, duration);
    out += timeAxis(duration);
    for (const DeliveryReport::Event &e : events) {
        out += QStringLiteral("<g><title>%1 s · %2: %3</title>%4</g>")
                   .arg(secondsText(e.atMs), e.kind.toHtmlEscaped(), e.text.toHtmlEscaped(),
                       markerShape(e.kind, stripX(e.atMs, duration)));
    }
    return out + QStringLiteral("</svg>");
}

} // namespace farmchat::reportsvg
