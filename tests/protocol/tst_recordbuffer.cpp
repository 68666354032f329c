#include "protocol/recordbuffer.h"

#include <QTest>

using namespace farmchat;

class tst_RecordBuffer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void severalRecordsInOneChunk();
    void recordSplitOverChunks();
    void byteByByte();
    void emptyRecords();
    void tailCapRefusesAndKeepsState();
    void capAppliesToTailOnly();
    void longStreamStaysCompact();
};

void tst_RecordBuffer::severalRecordsInOneChunk()
{
    RecordBuffer buffer(1024);
    QVERIFY(buffer.append("a\x1e"
                          "bb\x1e"
                          "ccc\x1e"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("a"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("bb"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("ccc"));
    QVERIFY(!buffer.takeRecord().has_value());
    QCOMPARE(buffer.pendingBytes(), 0);
}

void tst_RecordBuffer::recordSplitOverChunks()
{
    RecordBuffer buffer(1024);
    QVERIFY(buffer.append("{\"type\""));
    QVERIFY(!buffer.takeRecord().has_value());
    QVERIFY(buffer.append(":6}\x1e{\"ty"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("{\"type\":6}"));
    QVERIFY(!buffer.takeRecord().has_value());
    QVERIFY(buffer.append("pe\":6}\x1e"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("{\"type\":6}"));
}

void tst_RecordBuffer::byteByByte()
{
    RecordBuffer buffer(1024);
    const QByteArray stream = "one\x1etwo\x1e";
    QList<QByteArray> records;
    for (char c : stream) {
        QVERIFY(buffer.append(QByteArrayView(&c, 1)));
        while (auto r = buffer.takeRecord())
            records.append(*r);
    }
    QCOMPARE(records, (QList<QByteArray> {"one", "two"}));
}

void tst_RecordBuffer::emptyRecords()
{
    RecordBuffer buffer(16);
    QVERIFY(buffer.append("\x1e\x1e"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray());
    QCOMPARE(buffer.takeRecord().value(), QByteArray());
    QVERIFY(!buffer.takeRecord().has_value());
}

void tst_RecordBuffer::tailCapRefusesAndKeepsState()
{
    RecordBuffer buffer(8);
    QVERIFY(buffer.append("12345"));
    QVERIFY(!buffer.append("6789"));
    QCOMPARE(buffer.pendingBytes(), 5);
    QVERIFY(buffer.append("\x1e"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("12345"));
}

void tst_RecordBuffer::capAppliesToTailOnly()
{
    RecordBuffer buffer(4);
    // Complete records longer than the cap are the transport's business (its
    // message size limit); only an unterminated tail is bounded here.
    QVERIFY(buffer.append("123456\x1e"
                          "ab"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("123456"));
    QVERIFY(!buffer.append("cde"));
    QVERIFY(buffer.append("cd\x1e"));
    QCOMPARE(buffer.takeRecord().value(), QByteArray("abcd"));
}

void tst_RecordBuffer::longStreamStaysCompact()
{
    RecordBuffer buffer(64);
    for (int i = 0; i < 10000; ++i) {
        QVERIFY(buffer.append("{\"type\":6}\x1e{\"ty"));
        QCOMPARE(buffer.takeRecord().value(), QByteArray("{\"type\":6}"));
        QVERIFY(buffer.append("pe\":6}\x1e"));
        QCOMPARE(buffer.takeRecord().value(), QByteArray("{\"type\":6}"));
        QVERIFY(!buffer.takeRecord().has_value());
    }
    QCOMPARE(buffer.pendingBytes(), 0);
}

QTEST_GUILESS_MAIN(tst_RecordBuffer)
#include "tst_recordbuffer.moc"
