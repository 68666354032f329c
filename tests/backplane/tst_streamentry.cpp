#include "backplane/streams/streamentry.h"
#include "backplane/streams/streamid_p.h"
#include "backplane/streams/streamtrim_p.h"

#include <QJsonDocument>
#include <QTest>

using namespace farmchat;

namespace {

RedisValue bulk(const char *text)
{
    return RedisValue::bulk(QByteArray(text));
}

RedisValue entry(const QByteArray &id, const QList<QByteArray> &fields)
{
    QList<RedisValue> values;
    for (const QByteArray &f : fields)
        values << RedisValue::bulk(f);
    return RedisValue::array({RedisValue::bulk(id), RedisValue::array(values)});
}

ChatMessage sample()
{
    ChatMessage m;
    m.id = QStringLiteral("ignored");
    m.room = QStringLiteral("lobby");
    m.from = QStringLiteral("ann");
    m.text = QStringLiteral("hi <b>there</b>");
    m.node = QStringLiteral("node-1");
    m.sentAt = 1700000000000;
    return m;
}

// XINFO STREAM's reply as Redis 7.0 gives it (the fields that matter here,
// among others) for a stream whose entries 1-0 .. `added`-0 were added and
// all but the last `length` trimmed. (max-deleted-entry-id stays 0-0: only
// XDEL moves it.)
RedisValue xinfo(qint64 length, qint64 added)
{
    const QByteArray first = QByteArray::number(added - length + 1) + "-0";
    const QByteArray last = QByteArray::number(added) + "-0";
    return RedisValue::array({bulk("length"), RedisValue::integer(length), bulk("radix-tree-keys"),
        RedisValue::integer(3), bulk("last-generated-id"), RedisValue::bulk(last),
        bulk("max-deleted-entry-id"), bulk("0-0"), bulk("entries-added"),
        RedisValue::integer(added), bulk("recorded-first-entry-id"), RedisValue::bulk(first),
        bulk("first-entry"), RedisValue::array({}), bulk("last-entry"), RedisValue::array({})});
}

} // namespace

// StreamEntry and StreamId: the stream's wire format, and every malformed
// reply shape an untrusted Redis could send, as an error value.
class tst_StreamEntry : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void streamIds_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addRow("plain") << "1700000000000-0" << true;
        QTest::addRow("zero") << "0-0" << true;
        QTest::addRow("max") << "18446744073709551615-18446744073709551615" << true;
        QTest::addRow("overflow") << "18446744073709551616-0" << false;
        QTest::addRow("no seq") << "1700000000000" << false;
        QTest::addRow("empty part") << "-1" << false;
        QTest::addRow("sign") << "+1-1" << false;
        QTest::addRow("spaces") << " 1-1" << false;
        QTest::addRow("two dashes") << "1-2-3" << false;
        QTest::addRow("hub id") << "node-9090:abc:1" << false;
        QTest::addRow("star") << "*" << false;
    }
    void streamIds()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const auto id = StreamId::parse(QStringView(text));
        QCOMPARE(id.has_value(), valid);
        if (valid)
            QCOMPARE(QString::fromLatin1(id->toBytes()), text);
    }
    void streamIdOrder()
    {
        // Numeric, not textual: "9-0" comes before "10-0".
        QVERIFY(*StreamId::parse(QByteArrayView("9-0")) < *StreamId::parse(QByteArrayView("10-0")));
        QVERIFY(
            *StreamId::parse(QByteArrayView("10-2")) < *StreamId::parse(QByteArrayView("10-10")));
    }

    void roundTrip_data()
    {
        QTest::addColumn<QByteArray>("knownId");
        QTest::addRow("fresh") << QByteArray();
        QTest::addRow("re-published") << QByteArray("1600000000000-7");
    }
    void roundTrip()
    {
        QFETCH(QByteArray, knownId);
        const QList<QByteArray> fields
            = StreamEntry::fields(sample(), QStringLiteral("node-1:b:1"), knownId);
        const auto parsed
            = StreamEntry::parse(entry("1700000000001-3", fields), QStringLiteral("lobby"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        QCOMPARE(parsed->streamId, QByteArray("1700000000001-3"));
        QCOMPARE(parsed->uid, QStringLiteral("node-1:b:1"));
        QCOMPARE(parsed->message.id,
            QString::fromLatin1(knownId.isEmpty() ? QByteArray("1700000000001-3") : knownId));
        QCOMPARE(parsed->message.via, Via::Streams);
        QCOMPARE(parsed->message.text, sample().text);
        QCOMPARE(parsed->message.sentAt, sample().sentAt);
    }

    void malformedEntries_data()
    {
        QTest::addColumn<RedisValue>("raw");
        QTest::addColumn<QString>("error");
        const QList<QByteArray> good = StreamEntry::fields(sample(), QStringLiteral("u1"));
        QTest::addRow("not an array")
            << bulk("x") << "stream entry: expected an array, got a string of 1 bytes";
        QTest::addRow("nil") << RedisValue() << "stream entry: expected an array, got nil";
        QTest::addRow("one element") << RedisValue::array(
            {bulk("1-1")}) << "stream entry: expected an array of at least 2 elements, got 1";
        QTest::addRow("bad id") << entry("abc", good) << "stream entry: the id is not <ms>-<seq>";
        QTest::addRow("integer id")
            << RedisValue::array({RedisValue::integer(1), RedisValue::array({})})
            << "stream entry: the id is not <ms>-<seq>";
        QTest::addRow("fields not an array")
            << RedisValue::array({bulk("1-1"), bulk("x")})
            << "stream entry fields: expected an array, got a string of 1 bytes";
        QTest::addRow("odd fields")
            << entry("1-1", {"message"}) << "stream entry fields: an odd number of elements";
        QTest::addRow("integer field") << RedisValue::array(
            {bulk("1-1"), RedisValue::array({bulk("uid"), RedisValue::integer(3)})})
                                       << "stream entry fields: names and values must be strings";
        QTest::addRow("no message") << entry("1-1", {"uid", "u1"})
                                    << "stream entry: the message field is missing or too large";
        QTest::addRow("no uid") << entry("1-1", {"message", good[1]})
                                << "stream entry: the uid field is missing or too long";
        QTest::addRow("bad known id") << entry("1-1", {"message", good[1], "uid", "u1", "id", "x"})
                                      << "stream entry: the id field is not <ms>-<seq>";
        QTest::addRow("not json") << entry("1-1", {"message", "{", "uid", "u1"})
                                  << "stream entry: the message is not a JSON object";
        QTest::addRow("json array") << entry("1-1", {"message", "[]", "uid", "u1"})
                                    << "stream entry: the message is not a JSON object";
        QTest::addRow("missing text") << entry("1-1",
            {"message",
                R"({"id":"a","room":"lobby","from":"a","node":"n","sentAt":1,"via":"streams"})",
                "uid", "u1"}) << "stream entry: message field 'text' is missing or not a string";
        ChatMessage other = sample();
        other.room = QStringLiteral("ops");
        QTest::addRow("other room")
            << entry("1-1", StreamEntry::fields(other, QStringLiteral("u1")))
            << "stream entry: the message belongs to another room";
        ChatMessage empty = sample();
        empty.text = QStringLiteral("   ");
        QTest::addRow("blank text")
            << entry("1-1", StreamEntry::fields(empty, QStringLiteral("u1")))
            << "stream entry: message text must not be empty";
        QTest::addRow("huge message")
            << entry("1-1", {"message", QByteArray(70 * 1024, 'x'), "uid", "u1"})
            << "stream entry: the message field is missing or too large";
    }
    void malformedEntries()
    {
        QFETCH(RedisValue, raw);
        QFETCH(QString, error);
        const auto parsed = StreamEntry::parse(raw, QStringLiteral("lobby"));
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error(), error);
    }

    void xreadReplies_data()
    {
        QTest::addColumn<RedisValue>("reply");
        QTest::addColumn<QString>("error");
        QTest::addColumn<int>("streams");
        const RedisValue oneStream
            = RedisValue::array({bulk("k"), RedisValue::array({entry("1-1", {"a", "b"})})});
        QTest::addRow("timed out") << RedisValue() << "" << 0;
        QTest::addRow("one stream") << RedisValue::array({oneStream}) << "" << 1;
        QTest::addRow("error")
            << RedisValue::error(
                   "WRONGTYPE Operation against a key holding the wrong kind of value")
            << "XREAD reply: WRONGTYPE Operation against a key holding the wrong kind of value"
            << 0;
        QTest::addRow("integer") << RedisValue::integer(1)
                                 << "XREAD reply: expected an array, got integer 1" << 0;
        QTest::addRow("stream not a pair")
            << RedisValue::array({RedisValue::array({bulk("k")})})
            << "XREAD stream: expected an array of at least 2 elements, got 1" << 0;
        QTest::addRow("key not a string")
            << RedisValue::array(
                   {RedisValue::array({RedisValue::integer(1), RedisValue::array({})})})
            << "XREAD stream key: expected a string, got integer 1" << 0;
        QTest::addRow("entries not an array")
            << RedisValue::array({RedisValue::array({bulk("k"), bulk("x")})})
            << "XREAD entries: expected an array, got a string of 1 bytes" << 0;
    }
    void xreadReplies()
    {
        QFETCH(RedisValue, reply);
        QFETCH(QString, error);
        QFETCH(int, streams);
        const auto parsed = parseXReadReply(reply);
        QCOMPARE(parsed.ok(), error.isEmpty());
        QCOMPARE(parsed.error(), error);
        if (parsed.ok())
            QCOMPARE(parsed.value().size(), streams);
    }

    void idOfSkipsWhatItCannotRead()
    {
        QCOMPARE(StreamEntry::idOf(entry("5-1", {})), QByteArray("5-1"));
        QCOMPARE(StreamEntry::idOf(entry("x", {})), QByteArray());
        QCOMPARE(StreamEntry::idOf(RedisValue()), QByteArray());
        QCOMPARE(StreamEntry::idOf(RedisValue::array({})), QByteArray());
    }

    void trimInfoReadsXInfoStream()
    {
        const auto info = StreamTrimInfo::parse(xinfo(50, 90));
        QVERIFY2(info.ok(), qPrintable(info.error()));
        QCOMPARE(info->length, qint64(50));
        QCOMPARE(info->entriesAdded, qint64(90));
        QCOMPARE(info->deleted(), qint64(40));
        QCOMPARE(info->firstEntry.toBytes(), QByteArray("41-0"));
        QCOMPARE(info->lastGenerated.toBytes(), QByteArray("90-0"));

        // Redis 6 has no entries-added nor recorded-first-entry-id: named.
        const auto old = StreamTrimInfo::parse(RedisValue::array(
            {bulk("length"), RedisValue::integer(5), bulk("last-generated-id"), bulk("9-0")}));
        QVERIFY(!old.ok());
        QVERIFY2(old.error().contains(QLatin1String("entries-added")), qPrintable(old.error()));
        QVERIFY(!StreamTrimInfo::parse(RedisValue::error("ERR no such key")).ok());
    }

    void trimInfoCountsWhatAReaderMissed()
    {
        using V = StreamTrimInfo::Verdict;
        // Entries 1-0 .. 90-0 were added, 1-0 .. 40-0 trimmed.
        const StreamTrimInfo info = StreamTrimInfo::parse(xinfo(50, 90)).value();
        // Read up to 40-0 or past it, the XREAD reaching the end: nothing missed.
        QCOMPARE(info.judge({40, 0}, 40, 50, true).kind, V::Nothing);
        QCOMPARE(info.judge({60, 0}, 60, 30, true).kind, V::Nothing);
        // Within the window but a full batch: not known yet.
        QCOMPARE(info.judge({60, 0}, 60, 10, false).kind, V::Undecided);
        // At 25-0 having read 25: 26-0 .. 40-0 are gone, exactly 15, also
        // when the XREAD did not reach the end (all 50 left are ahead).
        const V missed = info.judge({25, 0}, 25, 10, false);
        QCOMPARE(missed.kind, V::Missed);
        QCOMPARE(missed.count, qint64(15));
        QVERIFY(missed.exact);
        QCOMPARE(missed.accounted, qint64(40));
        // At 60-0 having read only 45 (a gap earlier, unnoticed then), the
        // XREAD reaching the end with the 30 after 60-0: 15 missed.
        QCOMPARE(info.judge({60, 0}, 45, 30, true).count, qint64(15));
        // From the start of a stream, nothing read: all 40.
        QCOMPARE(info.judge({0, 0}, 0, 50, true).count, qint64(40));
        // Unknown count read so far, the oldest left past the position: at least one.
        const V unknown = info.judge({25, 0}, -1, 50, true);
        QCOMPARE(unknown.kind, V::Missed);
        QCOMPARE(unknown.count, qint64(1));
        QVERIFY(!unknown.exact);
        QCOMPARE(info.judge({60, 0}, -1, 30, true).kind, V::Nothing);
        // More accounted than the stream explains (removed and made again): nothing claimed.
        QCOMPARE(info.judge({25, 0}, 95, 50, true).kind, V::Nothing);
        // Nothing ever trimmed: nothing missed, whatever the position.
        QCOMPARE(StreamTrimInfo::parse(xinfo(90, 90)).value().judge({0, 0}, -1, 0, true).kind,
            V::Nothing);
        // Everything trimmed (MAXLEN 0): what was past the position is gone.
        const StreamTrimInfo empty = StreamTrimInfo::parse(xinfo(0, 90)).value();
        QCOMPARE(empty.judge({80, 0}, 80, 0, true).count, qint64(10));
        QCOMPARE(empty.judge({90, 0}, 90, 0, true).kind, V::Nothing);
    }
};

QTEST_GUILESS_MAIN(tst_StreamEntry)
#include "tst_streamentry.moc"
