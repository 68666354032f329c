#include "client/deliveryreport.h"
#include "client/deliverytracker.h"
#include "reportfixture.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

using namespace farmchat;
using farmchat::testing::ReportFarm;

namespace {

QList<int> rowsWhere(const ReportFarm &farm, const std::function<bool(int)> &keep)
{
    QList<int> rows;
    for (int r = 0; r < farm.tracker.rowCount(); ++r) {
        if (keep(r))
            rows.append(r);
    }
    return rows;
}

void compareVerdicts(const DeliveryVerdict &actual, const DeliveryVerdict &expected)
{
    QCOMPARE(actual.mode, expected.mode);
    QCOMPARE(actual.messages, expected.messages);
    QCOMPARE(actual.kept, expected.kept);
    QCOMPARE(actual.delivered, expected.delivered);
    QCOMPARE(actual.late, expected.late);
    QCOMPARE(actual.lostCounted, expected.lostCounted);
    QCOMPARE(actual.lostUncounted, expected.lostUncounted);
    QCOMPARE(actual.missedWhileAway, expected.missedWhileAway);
    QCOMPARE(actual.duplicated, expected.duplicated);
    QCOMPARE(actual.outOfOrder, expected.outOfOrder);
    QCOMPARE(actual.unexpected, expected.unexpected);
    QCOMPARE(actual.pending, expected.pending);
}

} // namespace

class tst_DeliveryReport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { m_farm = std::make_unique<ReportFarm>(); }
    void percentile_data();
    void percentile();
    void groupsPerModeAndPhase();
    void rowsAndPanes();
    void json();
    void csv();
    void htmlEscapesAndCovers();
    void htmlCapsTheMatrix();
    void writesThreeFiles();
    void writesOneFileBySuffix();
    void makesMissingFolders();
    void refusesAnUnwritablePath();

private:
    // A fresh small run per test (init()), kept for judging it again.
    DeliveryReport smallReport()
    {
        buildSmallRun(*m_farm);
        return testing::smallReport(*m_farm);
    }
    std::unique_ptr<ReportFarm> m_farm;
};

void tst_DeliveryReport::percentile_data()
{
    QTest::addColumn<QList<qint64>>("sorted");
    QTest::addColumn<int>("p");
    QTest::addColumn<qint64>("expected");
    QList<qint64> hundred;
    for (qint64 v = 1; v <= 100; ++v)
        hundred.append(v);
    QTest::addRow("empty") << QList<qint64> {} << 50 << qint64(-1);
    QTest::addRow("one p50") << QList<qint64> {7} << 50 << qint64(7);
    QTest::addRow("one p99") << QList<qint64> {7} << 99 << qint64(7);
    QTest::addRow("two p50: nearest rank 1") << QList<qint64> {5, 30} << 50 << qint64(5);
    QTest::addRow("two p99") << QList<qint64> {5, 30} << 99 << qint64(30);
    QTest::addRow("100 p0") << hundred << 0 << qint64(1);
    QTest::addRow("100 p50") << hundred << 50 << qint64(50);
    QTest::addRow("100 p99") << hundred << 99 << qint64(99);
    QTest::addRow("100 p100") << hundred << 100 << qint64(100);
    QTest::addRow("four p99") << QList<qint64> {10, 20, 40, 3000} << 99 << qint64(3000);
}

void tst_DeliveryReport::percentile()
{
    QFETCH(QList<qint64>, sorted);
    QFETCH(int, p);
    QFETCH(qint64, expected);
    QCOMPARE(percentileOf(sorted, p), expected);
}

void tst_DeliveryReport::groupsPerModeAndPhase()
{
    const DeliveryReport report = smallReport();
    QCOMPARE(report.modes.size(), 2); // off and pubsub; no streams rows
    QCOMPARE(report.modes.at(0).name, QStringLiteral("off"));
    QCOMPARE(report.modes.at(1).name, QStringLiteral("pubsub"));
    compareVerdicts(
        report.modes.at(0).verdict, judgeDeliveries(m_farm->tracker, BackplaneMode::Off));
    compareVerdicts(
        report.modes.at(1).verdict, judgeDeliveries(m_farm->tracker, BackplaneMode::PubSub));
    const DeliveryVerdict &pubsub = report.modes.at(1).verdict;
    QCOMPARE(pubsub.messages, 3);
    QCOMPARE(pubsub.delivered, 1);
    QCOMPARE(pubsub.late, 1);
    QCOMPARE(pubsub.lostUncounted, 1);
    QCOMPARE(report.modes.at(0).latenciesMs, (QList<qint64> {5, 30}));
    QCOMPARE(report.modes.at(0).p50Ms, 5);
    QCOMPARE(report.modes.at(0).p99Ms, 30);
    // The late arrival counts (it came live); the missing cell does not.
    QCOMPARE(report.modes.at(1).latenciesMs, (QList<qint64> {10, 20, 40, 3000}));
    QCOMPARE(report.modes.at(1).p50Ms, 20);
    QCOMPARE(report.modes.at(1).p99Ms, 3000);

    QCOMPARE(report.phases.size(), 2);
    QCOMPARE(report.phases.at(0).name, QStringLiteral("warm-up"));
    QCOMPARE(report.phases.at(1).name, QStringLiteral("redis-down"));
    for (const DeliveryReport::Group &phase : report.phases) {
        const QList<int> rows
            = rowsWhere(*m_farm, [&](int r) { return m_farm->phaseOfRow.at(r) == phase.name; });
        const BackplaneMode mode = m_farm->tracker.row(rows.first()).message.mode;
        compareVerdicts(phase.verdict, judgeDeliveries(m_farm->tracker, mode, rows));
    }
    QCOMPARE(report.phases.at(1).p99Ms, 3000);
    QCOMPARE(report.phases.at(1).historyResets, 0);
}

void tst_DeliveryReport::rowsAndPanes()
{
    DeliveryReport report = smallReport();
    QCOMPARE(report.panes.size(), 2);
    QCOMPARE(report.panes.at(1).id, QStringLiteral("P2"));
    QCOMPARE(report.panes.at(1).node, QStringLiteral("node-b"));
    QCOMPARE(report.rows.size(), 5);
    const DeliveryReport::Row &late = report.rows.at(2);
    QCOMPARE(late.id, QStringLiteral("m-ps-1"));
    QCOMPARE(late.phase, QStringLiteral("redis-down"));
    QCOMPARE(late.mode, QStringLiteral("pubsub"));
    QCOMPARE(late.sentAtMs, 1000); // relative to the start
    QCOMPARE(late.cells.at(1).state, QStringLiteral("late"));
    QCOMPARE(late.cells.at(1).latencyMs, 3000);
    QCOMPARE(report.rows.at(3).cells.at(1).state, QStringLiteral("missing"));
    QCOMPARE(report.rows.at(0).cells.at(1).state, QStringLiteral("not-expected"));

    // Without phases: no phase groups, and filling again replaces everything.
    report.fillFromTracker(m_farm->tracker, ReportFarm::kStart);
    QVERIFY(report.phases.isEmpty());
    QCOMPARE(report.modes.size(), 2);
    QCOMPARE(report.rows.size(), 5);
    QVERIFY(report.rows.at(0).phase.isEmpty());
}

void tst_DeliveryReport::json()
{
    const DeliveryReport report = smallReport();
    // Through bytes, as a reader of the file sees it.
    const QJsonObject json
        = QJsonDocument::fromJson(QJsonDocument(report.toJson()).toJson()).object();
    QCOMPARE(json.value("schema").toString(), QStringLiteral("farmchat-report/1"));
    QCOMPARE(json.value("title").toString(), report.title);
    QCOMPARE(json.value("description").toString(), report.description);
    QCOMPARE(json.value("source").toString(), report.source);
    QCOMPARE(json.value("startedAt").toString(), report.startedAt);
    QCOMPARE(json.value("durationMs").toInteger(), 10'000);
    QCOMPARE(json.value("farm").toArray().size(), 2);
    QCOMPARE(json.value("passed").toBool(), false);
    QVERIFY(json.contains("error"));
    QCOMPARE(json.value("panes").toArray().at(0).toObject().value("node").toString(),
        QStringLiteral("node-a"));
    const QJsonObject row = json.value("rows").toArray().at(2).toObject();
    QCOMPARE(row.value("id").toString(), QStringLiteral("m-ps-1"));
    QCOMPARE(row.value("sentAtMs").toInteger(), 1000);
    QCOMPARE(row.value("warned").toBool(), false);
    const QJsonObject cell = row.value("cells").toArray().at(1).toObject();
    QCOMPARE(cell.value("state").toString(), QStringLiteral("late"));
    QCOMPARE(cell.value("latencyMs").toInteger(), 3000);
    QCOMPARE(cell.value("viaHistory").toBool(), false);
    QCOMPARE(json.value("timeline").toArray().at(2).toObject().value("kind").toString(),
        QStringLiteral("fault"));
    const QJsonObject pubsub = json.value("modes").toArray().at(1).toObject();
    QCOMPARE(pubsub.value("name").toString(), QStringLiteral("pubsub"));
    QCOMPARE(pubsub.value("p50Ms").toInteger(), 20);
    QCOMPARE(pubsub.value("p99Ms").toInteger(), 3000);
    QCOMPARE(pubsub.value("latenciesMs").toArray().size(), 4);
    const QJsonObject verdict = pubsub.value("verdict").toObject();
    QCOMPARE(verdict.value("mode").toString(), QStringLiteral("pubsub"));
    QCOMPARE(verdict.value("lostUncounted").toInt(), 1);
    QCOMPARE(verdict.value("late").toInt(), 1);
    QCOMPARE(verdict.value("promiseKept").toBool(), false);
    QCOMPARE(verdict.value("text").toString(), report.modes.at(1).verdict.text());
    const QJsonObject phase = json.value("phases").toArray().at(0).toObject();
    QCOMPARE(phase.value("name").toString(), QStringLiteral("warm-up"));
    QVERIFY(phase.contains("historyResets"));
    const QJsonObject failed = json.value("expectations").toArray().at(1).toObject();
    QCOMPARE(failed.value("text").toString(), report.expectations.at(1).text);
    QCOMPARE(failed.value("measured").toString(), QStringLiteral("1"));
    QCOMPARE(failed.value("passed").toBool(), false);
}

void tst_DeliveryReport::csv()
{
    const QList<QByteArray> lines = smallReport().matrixCsv().split('\n');
    QCOMPARE(lines.size(), 7); // header, five rows, and nothing after the last CRLF
    QVERIFY(lines.last().isEmpty());
    QCOMPARE(lines.at(0), QByteArrayLiteral("id,phase,sender,room,mode,sent_ms,P1,P2\r"));
    QCOMPARE(lines.at(1),
        QByteArrayLiteral("m-off-1,warm-up,P1,lobby,off,100,delivered:5,not-expected\r"));
    QCOMPARE(lines.at(2),
        QByteArrayLiteral(
            "m-off-2,warm-up,P2,\"a,\"\"b\"\"\",off,200,not-expected,delivered:30\r"));
    QCOMPARE(lines.at(4),
        QByteArrayLiteral("m-ps-2,redis-down,P1,lobby,pubsub,1100,delivered:20,missing\r"));
}

void tst_DeliveryReport::htmlEscapesAndCovers()
{
    DeliveryReport report = smallReport();
    report.error = QStringLiteral("node <b>node-a</b> crashed");
    report.timeline.append({6000, QStringLiteral("note"), QStringLiteral("<img src=x>")});
    report.timeline.append(
        {7000, QStringLiteral("x\" onmouseover=\"y error"), QStringLiteral("kind in a class")});
    const QString html = QString::fromUtf8(report.html());
    QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
    QVERIFY(!html.contains(QStringLiteral("<script>alert(1)</script>")));
    QVERIFY(html.contains(QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt;")));
    QVERIFY(!html.contains(QStringLiteral("<script"))); // no scripts at all
    QVERIFY(!html.contains(QStringLiteral("<b>node-a</b>")));
    QVERIFY(!html.contains(QStringLiteral("<img src=x>")));
    QVERIFY(!html.contains(QStringLiteral("onmouseover=\"")));
    QVERIFY(html.contains(QStringLiteral("class=\"pill kind k-x--onmouseover--y-error\"")));
    QVERIFY(html.contains(QStringLiteral("a,&quot;b&quot;")));
    QVERIFY(html.contains(QStringLiteral("Two panes &amp; two phases")));
    QVERIFY(
        !html.contains(QStringLiteral("http://")) && !html.contains(QStringLiteral("https://")));
    for (const DeliveryReport::Expectation &e : report.expectations)
        QVERIFY2(html.contains(e.text.toHtmlEscaped()), qPrintable(e.text));
    for (const DeliveryReport::Pane &p : report.panes)
        QVERIFY2(html.contains(QStringLiteral(">") + p.id + QStringLiteral(" <small>(")),
            qPrintable(p.id));
    QVERIFY(html.contains(QStringLiteral("FAIL")));
    QVERIFY(html.contains(report.modes.at(1).verdict.text().toHtmlEscaped()));
    QVERIFY(html.contains(QStringLiteral("class=\"c s-missing\"")));
    QVERIFY(html.contains(QStringLiteral("class=\"c s-late\"")));
    QVERIFY(html.contains(QStringLiteral("<polyline")));
}

void tst_DeliveryReport::htmlCapsTheMatrix()
{
    DeliveryReport report;
    report.panes = {{QStringLiteral("P1"), QStringLiteral("node-a")}};
    for (int i = 0; i < 2005; ++i) {
        report.rows.append(
            {QStringLiteral("row-%1").arg(i), {}, QStringLiteral("P1"), QStringLiteral("lobby"),
                QStringLiteral("off"), i, false, false, {{QStringLiteral("delivered"), 1, false}}});
    }
    const QString html = QString::fromUtf8(report.html());
    QVERIFY(html.contains(QStringLiteral(">row-1999<")));
    QVERIFY(!html.contains(QStringLiteral(">row-2000<")));
    QVERIFY(html.contains(QStringLiteral("Showing the first 2000 of 2005 messages: 5 left out")));
    QCOMPARE(report.matrixCsv().count('\n'), 2006); // the CSV has every one
}

void tst_DeliveryReport::writesThreeFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const DeliveryReport report = smallReport();
    const auto written = report.write(dir.filePath(QStringLiteral("run.html")));
    QVERIFY2(written.ok(), qPrintable(written.error()));
    QCOMPARE(written.value(),
        (QStringList {dir.filePath(QStringLiteral("run.html")),
            dir.filePath(QStringLiteral("run.json")), dir.filePath(QStringLiteral("run.csv"))}));
    QFile html(written->at(0)), json(written->at(1)), csv(written->at(2));
    QVERIFY(html.open(QIODevice::ReadOnly) && json.open(QIODevice::ReadOnly)
        && csv.open(QIODevice::ReadOnly));
    QCOMPARE(html.readAll(), report.html());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json.readAll(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(doc.object().value("schema").toString(), QStringLiteral("farmchat-report/1"));
    QCOMPARE(csv.readAll(), report.matrixCsv());
}

void tst_DeliveryReport::writesOneFileBySuffix()
{
    QTemporaryDir dir;
    const DeliveryReport report = smallReport();
    const auto json = report.write(dir.filePath(QStringLiteral("only.json")));
    QVERIFY(json.ok());
    QCOMPARE(json.value(), QStringList {dir.filePath(QStringLiteral("only.json"))});
    const auto csv = report.write(dir.filePath(QStringLiteral("only.CSV")));
    QVERIFY(csv.ok());
    QCOMPARE(csv->size(), 1);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
}

void tst_DeliveryReport::makesMissingFolders()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs/today/report.html"));
    const auto written = smallReport().write(path);
    QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error()));
    QCOMPARE(written->size(), 3);
    QVERIFY(QFile::exists(path));
}

void tst_DeliveryReport::refusesAnUnwritablePath()
{
    QTemporaryDir dir;
    // A regular file where a folder should be: not writable, even as root.
    QFile blocker(dir.filePath(QStringLiteral("blocker")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const QString path = dir.filePath(QStringLiteral("blocker/report.html"));
    const auto written = smallReport().write(path);
    QVERIFY(!written.ok());
    QVERIFY2(written.error().contains(path), qPrintable(written.error()));
    QVERIFY(written.error().startsWith(QStringLiteral("cannot write ")));
}

QTEST_GUILESS_MAIN(tst_DeliveryReport)
#include "tst_deliveryreport.moc"
