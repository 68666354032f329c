#include "client/deliveryreport.h"

#include "client/deliverytracker.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>
#include <array>

namespace farmchat {

namespace {

constexpr auto kSchema = "farmchat-report/1";

// A first arrival that came live (not through History): what latencies measure.
bool arrivedLive(const DeliveryCell &cell)
{
    const bool arrived = cell.state == DeliveryState::Delivered
        || cell.state == DeliveryState::OutOfOrder || cell.state == DeliveryState::Late;
    return arrived && !cell.viaHistory && cell.latencyMs >= 0;
}

} // namespace

QList<qint64> liveLatenciesMs(const DeliveryTracker &tracker, const QList<int> &rows)
{
    QList<qint64> latencies;
    for (const int r : rows) {
        for (const DeliveryCell &cell : tracker.row(r).cells) {
            if (arrivedLive(cell))
                latencies.append(cell.latencyMs);
        }
    }
    std::sort(latencies.begin(), latencies.end());
    return latencies;
}

namespace {

DeliveryReport::Group judgeGroup(
    const DeliveryTracker &tracker, const QString &name, BackplaneMode mode, const QList<int> &rows)
{
    DeliveryReport::Group group;
    group.name = name;
    group.verdict = judgeDeliveries(tracker, mode, rows);
    group.latenciesMs = liveLatenciesMs(tracker, rows);
    group.p50Ms = percentileOf(group.latenciesMs, 50);
    group.p99Ms = percentileOf(group.latenciesMs, 99);
    return group;
}

DeliveryReport::Row reportRow(const DeliveryRow &row, const QString &phase, qint64 startedAtMs)
{
    DeliveryReport::Row out;
    out.id = row.message.id;
    out.phase = phase;
    out.sender = row.message.senderPane;
    out.room = row.message.room;
    out.mode = modeName(row.message.mode);
    out.sentAtMs = row.message.sentAtMs - startedAtMs;
    out.refused = row.refused;
    out.warned = row.warned;
    for (const DeliveryCell &cell : row.cells)
        out.cells.append({deliveryStateName(cell.state), cell.latencyMs, cell.viaHistory});
    return out;
}

QJsonObject verdictJson(const DeliveryVerdict &v)
{
    return QJsonObject {
        {QStringLiteral("mode"), modeName(v.mode)},
        {QStringLiteral("messages"), v.messages},
        {QStringLiteral("kept"), v.kept},
        {QStringLiteral("delivered"), v.delivered},
        {QStringLiteral("late"), v.late},
        {QStringLiteral("lostCounted"), v.lostCounted},
        {QStringLiteral("lostUncounted"), v.lostUncounted},
        {QStringLiteral("missedWhileAway"), v.missedWhileAway},
        {QStringLiteral("duplicated"), v.duplicated},
        {QStringLiteral("outOfOrder"), v.outOfOrder},
        {QStringLiteral("unexpected"), v.unexpected},
        {QStringLiteral("pending"), v.pending},
        {QStringLiteral("broken"), v.broken()},
        {QStringLiteral("promiseKept"), v.promiseKept()},
        {QStringLiteral("text"), v.text()},
    };
}

QJsonArray groupsJson(const QList<DeliveryReport::Group> &groups)
{
    QJsonArray out;
    for (const DeliveryReport::Group &g : groups) {
        QJsonArray latencies;
        for (const qint64 ms : g.latenciesMs)
            latencies.append(ms);
        out.append(QJsonObject {
            {QStringLiteral("name"), g.name},
            {QStringLiteral("verdict"), verdictJson(g.verdict)},
            {QStringLiteral("latenciesMs"), latencies},
            {QStringLiteral("p50Ms"), g.p50Ms},
            {QStringLiteral("p99Ms"), g.p99Ms},
            {QStringLiteral("historyResets"), g.historyResets},
        });
    }
    return out;
}

QJsonObject rowJson(const DeliveryReport::Row &row)
{
    QJsonArray cells;
    for (const DeliveryReport::Cell &cell : row.cells) {
        cells.append(QJsonObject {
            {QStringLiteral("state"), cell.state},
            {QStringLiteral("latencyMs"), cell.latencyMs},
            {QStringLiteral("viaHistory"), cell.viaHistory},
        });
    }
    return QJsonObject {
        {QStringLiteral("id"), row.id},
        {QStringLiteral("phase"), row.phase},
        {QStringLiteral("sender"), row.sender},
        {QStringLiteral("room"), row.room},
        {QStringLiteral("mode"), row.mode},
        {QStringLiteral("sentAtMs"), row.sentAtMs},
        {QStringLiteral("refused"), row.refused},
        {QStringLiteral("warned"), row.warned},
        {QStringLiteral("cells"), cells},
    };
}

QJsonArray matrixJson(const DeliveryReport &report, QJsonArray &panes)
{
    for (const DeliveryReport::Pane &pane : report.panes)
        panes.append(
            QJsonObject {{QStringLiteral("id"), pane.id}, {QStringLiteral("node"), pane.node}});
    QJsonArray rows;
    for (const DeliveryReport::Row &row : report.rows)
        rows.append(rowJson(row));
    return rows;
}

QJsonArray timelineJson(const QList<DeliveryReport::Event> &events)
{
    QJsonArray out;
    for (const DeliveryReport::Event &e : events) {
        out.append(QJsonObject {{QStringLiteral("atMs"), e.atMs}, {QStringLiteral("kind"), e.kind},
            {QStringLiteral("text"), e.text}});
    }
    return out;
}

QJsonArray expectationsJson(const QList<DeliveryReport::Expectation> &expectations)
{
    QJsonArray out;
    for (const DeliveryReport::Expectation &e : expectations) {
        out.append(QJsonObject {{QStringLiteral("text"), e.text},
            {QStringLiteral("measured"), e.measured}, {QStringLiteral("passed"), e.passed}});
    }
    return out;
}

// RFC 4180: a field holding a comma, a quote or a line break is quoted, and
// its quotes doubled.
QByteArray csvField(const QString &text)
{
    QByteArray bytes = text.toUtf8();
    if (!bytes.contains(',') && !bytes.contains('"') && !bytes.contains('\n')
        && !bytes.contains('\r'))
        return bytes;
    bytes.replace('"', QByteArrayLiteral("\"\""));
    return '"' + bytes + '"';
}

QByteArray csvLine(const QStringList &fields)
{
    QByteArray line;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            line += ',';
        line += csvField(fields.at(i));
    }
    return line + QByteArrayLiteral("\r\n");
}

Result<void> writeFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Result<void>::failure(
            QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    file.write(bytes);
    if (!file.commit())
        return Result<void>::failure(
            QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

} // namespace

qint64 percentileOf(const QList<qint64> &sorted, int p)
{
    if (sorted.isEmpty())
        return -1;
    const qsizetype n = sorted.size();
    // Nearest rank: the smallest value with at least p % of them at or below it.
    const qsizetype rank = (qsizetype(std::clamp(p, 0, 100)) * n + 99) / 100;
    return sorted.at(std::clamp<qsizetype>(rank, 1, n) - 1);
}

void DeliveryReport::fillFromTracker(
    const DeliveryTracker &tracker, qint64 startedAtMs, const QStringList &phaseOfRow)
{
    panes.clear();
    rows.clear();
    modes.clear();
    phases.clear();
    for (int c = 0; c < tracker.columnCount(); ++c)
        panes.append({tracker.pane(c).id, tracker.pane(c).nodeId});
    constexpr std::array allModes {
        BackplaneMode::Off, BackplaneMode::PubSub, BackplaneMode::Streams};
    std::array<QList<int>, allModes.size()> rowsOfMode;
    QStringList phaseNames;
    QList<QList<int>> rowsOfPhase;
    for (int r = 0; r < tracker.rowCount(); ++r) {
        const DeliveryRow &row = tracker.row(r);
        const QString phase = phaseOfRow.value(r);
        rows.append(reportRow(row, phase, startedAtMs));
        rowsOfMode.at(std::size_t(row.message.mode)).append(r);
        if (phaseOfRow.isEmpty())
            continue;
        qsizetype at = phaseNames.indexOf(phase);
        if (at < 0) {
            at = phaseNames.size();
            phaseNames.append(phase);
            rowsOfPhase.append(QList<int>());
        }
        rowsOfPhase[at].append(r);
    }
    for (const BackplaneMode mode : allModes) {
        const QList<int> &of = rowsOfMode.at(std::size_t(mode));
        if (!of.isEmpty())
            modes.append(judgeGroup(tracker, modeName(mode), mode, of));
    }
    // A phase's verdict is named after the mode of its first message.
    for (qsizetype i = 0; i < phaseNames.size(); ++i) {
        const BackplaneMode mode = tracker.row(rowsOfPhase.at(i).first()).message.mode;
        phases.append(judgeGroup(tracker, phaseNames.at(i), mode, rowsOfPhase.at(i)));
    }
}

QJsonObject DeliveryReport::toJson() const
{
    QJsonArray paneArray;
    const QJsonArray rowArray = matrixJson(*this, paneArray);
    return QJsonObject {
        {QStringLiteral("schema"), QLatin1String(kSchema)},
        {QStringLiteral("title"), title},
        {QStringLiteral("description"), description},
        {QStringLiteral("source"), source},
        {QStringLiteral("startedAt"), startedAt},
        {QStringLiteral("durationMs"), durationMs},
        {QStringLiteral("farm"), QJsonArray::fromStringList(farm)},
        {QStringLiteral("panes"), paneArray},
        {QStringLiteral("rows"), rowArray},
        {QStringLiteral("timeline"), timelineJson(timeline)},
        {QStringLiteral("modes"), groupsJson(modes)},
        {QStringLiteral("phases"), groupsJson(phases)},
        {QStringLiteral("expectations"), expectationsJson(expectations)},
        {QStringLiteral("passed"), passed},
        {QStringLiteral("error"), error},
    };
}

QByteArray DeliveryReport::matrixCsv() const
{
    QStringList header {QStringLiteral("id"), QStringLiteral("phase"), QStringLiteral("sender"),
        QStringLiteral("room"), QStringLiteral("mode"), QStringLiteral("sent_ms")};
    for (const Pane &pane : panes)
        header.append(pane.id);
    QByteArray out = csvLine(header);
    for (const Row &row : rows) {
        QStringList fields {
            row.id, row.phase, row.sender, row.room, row.mode, QString::number(row.sentAtMs)};
        for (const Cell &cell : row.cells) {
            fields.append(cell.latencyMs >= 0
                    ? cell.state + QLatin1Char(':') + QString::number(cell.latencyMs)
                    : cell.state);
        }
        out += csvLine(fields);
    }
    return out;
}

Result<QStringList> DeliveryReport::write(const QString &path) const
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    QList<std::pair<QString, QByteArray>> files;
    if (suffix == QLatin1String("json")) {
        files.append({path, QJsonDocument(toJson()).toJson()});
    } else if (suffix == QLatin1String("csv")) {
        files.append({path, matrixCsv()});
    } else {
        const bool htmlSuffix = suffix == QLatin1String("html") || suffix == QLatin1String("htm");
        const QString base = htmlSuffix ? path.left(path.size() - suffix.size() - 1) : path;
        files.append({path, html()});
        files.append({base + QStringLiteral(".json"), QJsonDocument(toJson()).toJson()});
        files.append({base + QStringLiteral(".csv"), matrixCsv()});
    }
    // "--report out/run.html" makes out/, as a user expects.
    const QDir dir = QFileInfo(path).absoluteDir();
    if (!dir.exists() && !QDir().mkpath(dir.path()))
        return Result<QStringList>::failure(
            QStringLiteral("cannot write %1: cannot make the folder %2").arg(path, dir.path()));
    QStringList written;
    for (const auto &[file, bytes] : files) {
        const Result<void> result = writeFile(file, bytes);
        if (!result)
            return Result<QStringList>::failure(result.error());
        written.append(file);
    }
    return written;
}

} // namespace farmchat
