#include "backplane/pubsub/pubsubenvelope.h"
#include "backplane/pubsub/sequencetracker_p.h"
#include "backplane/streams/seenuids_p.h"

#include <QTest>

using namespace farmchat;

namespace {

PubSubEnvelope sample()
{
    PubSubEnvelope e;
    e.origin = QStringLiteral("node-1");
    e.boot = QStringLiteral("b00t");
    e.seq = 42;
    e.message.id = QStringLiteral("node-1:x:42");
    e.message.room = QStringLiteral("lobby");
    e.message.from = QStringLiteral("ann");
    e.message.text = QStringLiteral("hello");
    e.message.node = QStringLiteral("node-1");
    e.message.sentAt = 1700000000000;
    e.message.via = Via::PubSub;
    return e;
}

QByteArray edited(const char *from, const char *to)
{
    return sample().encode().replace(from, to);
}

} // namespace

// PubSubEnvelope (what pubsub nodes PUBLISH), SequenceTracker (how a receiver
// counts what it missed) and SeenUids (how a streams reader drops repeats).
class tst_PubSubEnvelope : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip()
    {
        const auto decoded = PubSubEnvelope::decode(sample().encode(), QStringLiteral("lobby"));
        QVERIFY2(decoded.ok(), qPrintable(decoded.error()));
        QCOMPARE(decoded->origin, sample().origin);
        QCOMPARE(decoded->boot, sample().boot);
        QCOMPARE(decoded->seq, 42);
        QCOMPARE(decoded->message, sample().message);
    }

    void refuses_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QString>("error");
        QTest::addRow("not json") << QByteArray("{") << "envelope is not a JSON object";
        QTest::addRow("array") << QByteArray("[]") << "envelope is not a JSON object";
        QTest::addRow("version") << edited("\"v\":1", "\"v\":9") << "envelope version is not 1";
        QTest::addRow("no origin") << edited("\"origin\":\"node-1\"", "\"origin\":\"\"")
                                   << "envelope origin or boot is missing or too long";
        QTest::addRow("long boot") << edited("b00t", QByteArray(200, 'b').constData())
                                   << "envelope origin or boot is missing or too long";
        QTest::addRow("zero seq") << edited("\"seq\":42", "\"seq\":0")
                                  << "envelope seq is not a positive integer";
        QTest::addRow("string seq")
            << edited("\"seq\":42", "\"seq\":\"42\"") << "envelope seq is not a positive integer";
        QTest::addRow("huge seq") << edited("\"seq\":42", "\"seq\":1e300")
                                  << "envelope seq is not a positive integer";
        QTest::addRow("other node") << edited("\"node\":\"node-1\"", "\"node\":\"node-2\"")
                                    << "message node does not match the envelope origin";
        QTest::addRow("other room") << edited("\"room\":\"lobby\"", "\"room\":\"ops\"")
                                    << "message room does not match its channel";
        QTest::addRow("no text") << edited("\"text\":\"hello\"", "\"text\":5")
                                 << "message field 'text' is missing or not a string";
        QTest::addRow("blank text")
            << edited("\"text\":\"hello\"", "\"text\":\"  \"") << "message text must not be empty";
        QTest::addRow("too big") << QByteArray(65 * 1024, ' ')
                                 << "envelope larger than 65536 bytes";
    }
    void refuses()
    {
        QFETCH(QByteArray, payload);
        QFETCH(QString, error);
        const auto decoded = PubSubEnvelope::decode(payload, QStringLiteral("lobby"));
        QVERIFY(!decoded.ok());
        QCOMPARE(decoded.error(), error);
    }

    void sequenceGaps_data()
    {
        QTest::addColumn<QList<qint64>>("seqs");
        QTest::addColumn<QStringList>("boots");
        QTest::addColumn<qint64>("missed");
        QTest::addColumn<int>("stale");
        QTest::addRow("in order") << QList<qint64> {1, 2, 3} << QStringList {"a", "a", "a"}
                                  << qint64(0) << 0;
        QTest::addRow("late start is a baseline")
            << QList<qint64> {7, 8} << QStringList {"a", "a"} << qint64(0) << 0;
        QTest::addRow("one gap") << QList<qint64> {1, 2, 6} << QStringList {"a", "a", "a"}
                                 << qint64(3) << 0;
        QTest::addRow("two gaps") << QList<qint64> {1, 3, 10} << QStringList {"a", "a", "a"}
                                  << qint64(7) << 0;
        QTest::addRow("repeat") << QList<qint64> {1, 2, 2, 3} << QStringList {"a", "a", "a", "a"}
                                << qint64(0) << 1;
        QTest::addRow("new boot resets")
            << QList<qint64> {5, 1, 2} << QStringList {"a", "b", "b"} << qint64(0) << 0;
        QTest::addRow("gap after new boot")
            << QList<qint64> {5, 1, 4} << QStringList {"a", "b", "b"} << qint64(2) << 0;
    }
    void sequenceGaps()
    {
        QFETCH(QList<qint64>, seqs);
        QFETCH(QStringList, boots);
        QFETCH(qint64, missed);
        QFETCH(int, stale);
        SequenceTracker tracker;
        qint64 totalMissed = 0;
        int totalStale = 0;
        for (qsizetype i = 0; i < seqs.size(); ++i) {
            const auto r
                = tracker.observe(QStringLiteral("n1"), QStringLiteral("lobby"), boots[i], seqs[i]);
            totalMissed += r.missed;
            totalStale += r.stale ? 1 : 0;
        }
        QCOMPARE(totalMissed, missed);
        QCOMPARE(totalStale, stale);
    }
    void sequencesAreSeparatePerOriginAndRoom()
    {
        SequenceTracker tracker;
        tracker.observe(QStringLiteral("n1"), QStringLiteral("lobby"), QStringLiteral("a"), 1);
        tracker.observe(QStringLiteral("n2"), QStringLiteral("lobby"), QStringLiteral("a"), 10);
        tracker.observe(QStringLiteral("n1"), QStringLiteral("ops"), QStringLiteral("a"), 20);
        QCOMPARE(
            tracker.observe(QStringLiteral("n1"), QStringLiteral("lobby"), QStringLiteral("a"), 2)
                .missed,
            0);
        QCOMPARE(
            tracker.observe(QStringLiteral("n2"), QStringLiteral("lobby"), QStringLiteral("a"), 13)
                .missed,
            2);
        tracker.forgetRoom(QStringLiteral("ops"));
        QCOMPARE(
            tracker.observe(QStringLiteral("n1"), QStringLiteral("ops"), QStringLiteral("a"), 30)
                .missed,
            0);
    }

    void seenUidsForgetTheOldest()
    {
        SeenUids seen(3);
        QVERIFY(seen.insert(QStringLiteral("a")));
        QVERIFY(!seen.insert(QStringLiteral("a")));
        seen.insert(QStringLiteral("b"));
        seen.insert(QStringLiteral("c"));
        seen.insert(QStringLiteral("d"));
        QCOMPARE(seen.size(), 3);
        QVERIFY(!seen.contains(QStringLiteral("a")));
        QVERIFY(seen.contains(QStringLiteral("d")));
        QVERIFY(seen.insert(QStringLiteral("a")));
    }
};

QTEST_GUILESS_MAIN(tst_PubSubEnvelope)
#include "tst_pubsubenvelope.moc"
