#include "server/websocketreader_p.h"
#include "tests/server/rawwebsocket.h"

#include <QTest>

using namespace farmchat;

namespace {

constexpr uchar kFin = 0x80;
enum : uchar { Cont = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xa };

// One client frame as a client would write it (RFC 6455 5.2), masked with a
// fixed key unless told not to. `head` is the first byte: FIN, RSV, opcode.
// `lengthForm` forces 126 or 127 for a length that would fit a shorter form.
QByteArray frame(uchar head, QByteArray payload, bool masked = true, int lengthForm = 0)
{
    return test::clientFrame(head, std::move(payload), masked, lengthForm);
}

QByteArray text(QByteArray payload)
{
    return frame(kFin | Text, std::move(payload));
}

// Only a header, masked, declaring `length` bytes in the 64-bit form.
QByteArray header64(uchar head, quint64 length)
{
    QByteArray f;
    f.append(char(head));
    f.append(char(0x80 | 127));
    for (int i = 7; i >= 0; --i)
        f.append(char((length >> (8 * i)) & 0xff));
    return f + QByteArray(4, '\x01');
}

QByteArray closeBody(quint16 code, QByteArray reason = {})
{
    QByteArray body;
    body.append(char(code >> 8));
    body.append(char(code & 0xff));
    return body + reason;
}

// Writes each event as one line, so a whole stream compares as a list.
class Recorder : public WebSocketReader::Handler
{
public:
    QStringList events;
    QList<QByteArray> messages;
    WebSocketReader *stopAfterMessage = nullptr;

    void textMessage(QByteArray utf8) override
    {
        events << QStringLiteral("text:") + QString::fromUtf8(utf8);
        messages << utf8;
        if (stopAfterMessage)
            stopAfterMessage->stop();
    }
    void binaryMessage(QByteArray bytes) override
    {
        events << QStringLiteral("binary:") + QString::fromLatin1(bytes.toHex());
        messages << bytes;
    }
    void ping(QByteArrayView payload) override
    {
        events << QStringLiteral("ping:") + QString::fromUtf8(payload);
    }
    void pong(QByteArrayView payload) override
    {
        events << QStringLiteral("pong:") + QString::fromUtf8(payload);
    }
    void close(quint16 code, QByteArrayView reason) override
    {
        events << QStringLiteral("close:%1:%2").arg(code).arg(QString::fromUtf8(reason));
    }
    void error(quint16 code, const QString &reason) override
    {
        events << QStringLiteral("error:%1").arg(code);
        errorReason = reason;
    }
    QString errorReason;
};

QStringList readAll(QByteArrayView stream, qint64 max, qsizetype chunk = 0)
{
    WebSocketReader reader(max);
    Recorder recorder;
    if (chunk <= 0) {
        reader.feed(stream, recorder);
    } else {
        for (qsizetype i = 0; i < stream.size(); i += chunk)
            reader.feed(stream.sliced(i, qMin(chunk, stream.size() - i)), recorder);
    }
    if (reader.isFinished() && reader.bufferedCapacity() != 0)
        recorder.events << QStringLiteral("buffer kept after the end");
    return recorder.events;
}

} // namespace

class tst_WebSocketReader : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void events_data();
    void events();
    void errors_data();
    void errors();
    void fragmentedTextAtEveryBoundary();
    void truncatedUtf8AtEveryBoundary();
    void lengthBoundaries_data();
    void lengthBoundaries();
    void tooBigIsRefusedBeforeItsPayload();
    void buffersAreReleasedWhenIdle();
    void bufferGrowsWithWhatArrives();
    void unmaskedIsKnownAtTheSecondByte();
    void stopFromTheHandler();
};

void tst_WebSocketReader::events_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QStringList>("expected");
    using L = QStringList;
    QTest::addRow("text") << text("hello") << L {"text:hello"};
    QTest::addRow("empty text") << text("") << L {"text:"};
    QTest::addRow("utf-8 text") << text("h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e \xef\xbf\xbf")
                                << L {QStringLiteral("text:h\u00e9llo \u20ac \U0001D11E \uFFFF")};
    QTest::addRow("binary") << frame(kFin | Binary, QByteArray("\x00\xff\x80", 3))
                            << L {"binary:00ff80"};
    QTest::addRow("invalid utf-8 is fine in binary")
        << frame(kFin | Binary, "\xc0\xaf") << L {"binary:c0af"};
    QTest::addRow("ping") << frame(kFin | Ping, "abc") << L {"ping:abc"};
    QTest::addRow("empty ping") << frame(kFin | Ping, "") << L {"ping:"};
    QTest::addRow("ping of 125") << frame(kFin | Ping, QByteArray(125, 'p'))
                                 << L {"ping:" + QString(125, u'p')};
    QTest::addRow("pong") << frame(kFin | Pong, "xyz") << L {"pong:xyz"};
    QTest::addRow("two messages") << text("one") + text("two") << L {"text:one", "text:two"};
    QTest::addRow("fragmented text") << frame(Text, "ab") + frame(Cont, "") + frame(Cont, "cd")
            + frame(kFin | Cont, "e") << L {"text:abcde"};
    QTest::addRow("fragmented binary")
        << frame(Binary, "\x01") + frame(kFin | Cont, "\x02") << L {"binary:0102"};
    QTest::addRow("ping inside a fragmented message") << frame(Text, "ab")
            + frame(kFin | Ping, "p1") + frame(Cont, "cd") + frame(kFin | Pong, "p2")
            + frame(kFin | Cont, "ef") << L {"ping:p1", "pong:p2", "text:abcdef"};
    QTest::addRow("utf-8 sequence across fragments") << frame(Text, "\xe2") + frame(kFin | Ping, "")
            + frame(Cont, "\x82")
            + frame(kFin | Cont, "\xac") << L {"ping:", QStringLiteral("text:\u20ac")};
    QTest::addRow("close with reason")
        << frame(kFin | Close, closeBody(1000, "bye")) << L {"close:1000:bye"};
    QTest::addRow("close without body") << frame(kFin | Close, "") << L {"close:1005:"};
    for (quint16 code : {1001, 1003, 1007, 1011, 1012, 1014, 3000, 4999})
        QTest::addRow("close %d", code)
            << frame(kFin | Close, closeBody(code)) << L {QStringLiteral("close:%1:").arg(code)};
    QTest::addRow("close reason of 123 bytes") << frame(kFin | Close,
        closeBody(1000, QByteArray(123, 'r'))) << L {"close:1000:" + QString(123, u'r')};
    QTest::addRow("nothing after close")
        << frame(kFin | Close, closeBody(1000)) + text("late") << L {"close:1000:"};
    QTest::addRow("close inside a fragmented message")
        << frame(Text, "ab") + frame(kFin | Close, closeBody(1001)) << L {"close:1001:"};
    QTest::addRow("messages before an error are delivered")
        << text("ok") + frame(kFin | Text, "x", false) << L {"text:ok", "error:1002"};
}

void tst_WebSocketReader::events()
{
    QFETCH(QByteArray, stream);
    QFETCH(QStringList, expected);
    QCOMPARE(readAll(stream, 1000), expected);
    // However the network splits it.
    for (qsizetype chunk : {1, 2, 3, 5, 7, 13})
        QCOMPARE(readAll(stream, 1000, chunk), expected);
}

void tst_WebSocketReader::errors_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<qint64>("max");
    QTest::addColumn<int>("code");
    const qint64 max = 1000;
    QTest::addRow("unmasked text") << frame(kFin | Text, "hi", false) << max << 1002;
    QTest::addRow("unmasked ping") << frame(kFin | Ping, "", false) << max << 1002;
    QTest::addRow("RSV1") << frame(0x40 | kFin | Text, "hi") << max << 1002;
    QTest::addRow("RSV2") << frame(0x20 | kFin | Text, "hi") << max << 1002;
    QTest::addRow("RSV3") << frame(0x10 | kFin | Binary, "hi") << max << 1002;
    for (uchar op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf})
        QTest::addRow("reserved opcode %x", op) << frame(kFin | op, "") << max << 1002;
    QTest::addRow("ping of 126") << frame(kFin | Ping, QByteArray(126, 'p')) << max << 1002;
    QTest::addRow("close of 126") << frame(kFin | Close, closeBody(1000, QByteArray(124, 'r')))
                                  << max << 1002;
    QTest::addRow("fragmented ping") << frame(Ping, "a") << max << 1002;
    QTest::addRow("fragmented close") << frame(Close, "") << max << 1002;
    QTest::addRow("continuation first") << frame(kFin | Cont, "a") << max << 1002;
    QTest::addRow("continuation after a whole message")
        << text("a") + frame(kFin | Cont, "b") << max << 1002;
    QTest::addRow("text inside a fragmented text") << frame(Text, "a") + text("b") << max << 1002;
    QTest::addRow("binary inside a fragmented text")
        << frame(Text, "a") + frame(kFin | Binary, "b") << max << 1002;
    QTest::addRow("16-bit length under 126")
        << frame(kFin | Text, "short", true, 126) << max << 1002;
    QTest::addRow("64-bit length under 65536")
        << frame(kFin | Text, "short", true, 127) << max << 1002;
    QTest::addRow("64-bit length with the top bit")
        << header64(kFin | Binary, quint64(1) << 63) << max << 1002;
    QTest::addRow("frame over the max") << text(QByteArray(1001, 'x')) << max << 1009;
    QTest::addRow("fragments over the max")
        << frame(Text, QByteArray(600, 'x')) + frame(kFin | Cont, QByteArray(401, 'x')) << max
        << 1009;
    // Bytes, not characters: Qt 6.4 adds the UTF-16 length of the text so
    // far to the next frame's bytes, and takes this 470-byte message.
    QTest::addRow("fragmented non-ASCII over the max in bytes")
        << QByteArray(frame(Text, QByteArray("\xe2\x82\xac").repeated(90))
               + frame(kFin | Cont, QByteArray(200, 'a')))
        << qint64(300) << 1009;
    QTest::addRow("huge declared length")
        << header64(kFin | Binary, quint64(1) << 40) << max << 1009;
    QTest::addRow("lone continuation byte") << text("a\x80") << max << 1007;
    QTest::addRow("overlong C0 AF") << text("\xc0\xaf") << max << 1007;
    QTest::addRow("overlong E0 80 AF") << text("\xe0\x80\xaf") << max << 1007;
    QTest::addRow("overlong F0 80 80 AF") << text("\xf0\x80\x80\xaf") << max << 1007;
    QTest::addRow("surrogate ED A0 80") << text("\xed\xa0\x80") << max << 1007;
    QTest::addRow("past U+10FFFF") << text("\xf4\x90\x80\x80") << max << 1007;
    QTest::addRow("F5 lead") << text("\xf5\x80\x80\x80") << max << 1007;
    QTest::addRow("FF") << text("\xff") << max << 1007;
    QTest::addRow("lead then ASCII") << text("\xe2\x82x") << max << 1007;
    QTest::addRow("truncated at the end") << text("ok\xe2\x82") << max << 1007;
    QTest::addRow("truncated at the end of the last fragment")
        << frame(Text, "\xf0\x9d") + frame(kFin | Cont, "\x84") << max << 1007;
    QTest::addRow("close body of 1 byte") << frame(kFin | Close, "\x03") << max << 1002;
    for (quint16 code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535})
        QTest::addRow("close code %d", code) << frame(kFin | Close, closeBody(code)) << max << 1002;
    QTest::addRow("close reason not utf-8")
        << frame(kFin | Close, closeBody(1000, "\xc3")) << max << 1007;
}

void tst_WebSocketReader::errors()
{
    QFETCH(QByteArray, stream);
    QFETCH(qint64, max);
    QFETCH(int, code);
    const QString expected = QStringLiteral("error:%1").arg(code);
    for (qsizetype chunk : {0, 1, 2, 3, 7}) {
        const QStringList events = readAll(stream, max, chunk);
        QVERIFY2(!events.isEmpty() && events.last() == expected,
            qPrintable(QStringLiteral("chunk %1: %2").arg(chunk).arg(events.join(u' '))));
    }
    // Nothing is read after an error: the stream repeated gives one error.
    WebSocketReader reader(max);
    Recorder recorder;
    QVERIFY(!reader.feed(QByteArray(stream + stream), recorder));
    QCOMPARE(recorder.events.count(expected), 1);
    QVERIFY(!recorder.errorReason.isEmpty());
    QVERIFY(!reader.feed(text("more"), recorder));
    QCOMPARE(recorder.events.last(), expected);
}

void tst_WebSocketReader::fragmentedTextAtEveryBoundary()
{
    // ASCII, 2-, 3- and 4-byte sequences: cut inside each of them somewhere.
    const QByteArray message("a\xc3\xa9-\xe2\x82\xac-\xf0\x9d\x84\x9e-z");
    const QString expected = QStringLiteral("text:") + QString::fromUtf8(message);
    for (qsizetype i = 0; i <= message.size(); ++i) {
        for (qsizetype j = i; j <= message.size(); ++j) {
            const QByteArray stream = frame(Text, message.first(i))
                + frame(Cont, message.sliced(i, j - i)) + frame(kFin | Cont, message.sliced(j));
            QCOMPARE(readAll(stream, 1000), QStringList {expected});
            // And the bytes themselves cut at every boundary too.
            for (qsizetype cut = 1; cut < stream.size(); cut += 5) {
                WebSocketReader reader(1000);
                Recorder recorder;
                reader.feed(stream.first(cut), recorder);
                reader.feed(stream.sliced(cut), recorder);
                QCOMPARE(recorder.events, QStringList {expected});
            }
        }
    }
}

void tst_WebSocketReader::truncatedUtf8AtEveryBoundary()
{
    const QByteArray message("a\xf0\x9d\x84"); // U+1D11E without its last byte
    for (qsizetype i = 0; i <= message.size(); ++i) {
        const QByteArray stream
            = frame(Text, message.first(i)) + frame(kFin | Cont, message.sliced(i));
        QCOMPARE(readAll(stream, 1000), QStringList {"error:1007"});
        QCOMPARE(readAll(stream, 1000, 1), QStringList {"error:1007"});
    }
}

void tst_WebSocketReader::lengthBoundaries_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("headerBytes");
    for (int length : {0, 1, 7, 8, 9, 125})
        QTest::addRow("%d", length) << length << 6;
    for (int length : {126, 127, 65535})
        QTest::addRow("%d", length) << length << 8;
    for (int length : {65536, 100003})
        QTest::addRow("%d", length) << length << 14;
}

void tst_WebSocketReader::lengthBoundaries()
{
    QFETCH(int, length);
    QFETCH(int, headerBytes);
    QByteArray payload(length, Qt::Uninitialized);
    for (int i = 0; i < length; ++i)
        payload[i] = char((i * 7 + i / 251) & 0x7f); // ASCII, so it also passes as text
    const QByteArray binary = frame(kFin | Binary, payload);
    QCOMPARE(binary.size(), headerBytes + length);

    for (qsizetype chunk : {0, 1, 4093}) {
        for (const QByteArray &stream : {binary, frame(kFin | Text, payload)}) {
            WebSocketReader reader(length);
            Recorder recorder;
            if (chunk == 0) {
                reader.feed(stream, recorder);
            } else {
                for (qsizetype i = 0; i < stream.size(); i += chunk)
                    reader.feed(stream.sliced(i, qMin(chunk, stream.size() - i)), recorder);
            }
            QCOMPARE(recorder.messages.size(), 1);
            QCOMPARE(recorder.messages.first(), payload);
            QCOMPARE(reader.bufferedCapacity(), 0);
        }
    }
    // One byte over the max: refused.
    if (length > 0)
        QCOMPARE(readAll(binary, length - 1), QStringList {"error:1009"});
}

void tst_WebSocketReader::tooBigIsRefusedBeforeItsPayload()
{
    WebSocketReader reader(32 * 1024);
    Recorder recorder;
    const QByteArray stream = text(QByteArray(32 * 1024 + 1, 'x'));
    QVERIFY(!reader.feed(stream.first(8), recorder)); // the header alone
    QCOMPARE(recorder.events, QStringList {"error:1009"});
    QCOMPARE(reader.bufferedCapacity(), 0);
}

void tst_WebSocketReader::buffersAreReleasedWhenIdle()
{
    WebSocketReader reader(100000);
    Recorder recorder;
    QCOMPARE(reader.bufferedCapacity(), 0);
    const QByteArray big = text(QByteArray(70000, 'b'));
    reader.feed(big.first(3), recorder); // inside the header: nothing on the heap
    QCOMPARE(reader.bufferedCapacity(), 0);
    reader.feed(big.sliced(3, 20000), recorder);
    QVERIFY(reader.bufferedCapacity() >= 20000 - 11);
    reader.feed(big.sliced(20003), recorder);
    QCOMPARE(recorder.messages.size(), 1);
    QCOMPARE(reader.bufferedCapacity(), 0);

    // A fragmented message holds memory until its last fragment, then none.
    reader.feed(
        QByteArray(frame(Binary, QByteArray(500, 'f')) + frame(kFin | Ping, "p")), recorder);
    QVERIFY(reader.bufferedCapacity() >= 500);
    reader.feed(frame(kFin | Cont, "end"), recorder);
    QCOMPARE(recorder.messages.size(), 2);
    QCOMPARE(reader.bufferedCapacity(), 0);

    // Control frames never use the heap.
    reader.feed(frame(kFin | Ping, QByteArray(125, 'p')).first(100), recorder);
    QCOMPARE(reader.bufferedCapacity(), 0);

    // Neither does a reader that stopped in the middle of a message.
    WebSocketReader stopped(100000);
    stopped.feed(big.first(5000), recorder);
    QVERIFY(stopped.bufferedCapacity() > 0);
    stopped.stop();
    QCOMPARE(stopped.bufferedCapacity(), 0);
    QVERIFY(!stopped.feed(big.sliced(5000), recorder));
}

void tst_WebSocketReader::bufferGrowsWithWhatArrives()
{
    // A header promising 60,000 bytes followed by 10 is not worth 60,000.
    WebSocketReader reader(100000);
    Recorder recorder;
    const QByteArray big = frame(kFin | Binary, QByteArray(60000, 'g'));
    reader.feed(big.first(8 + 10), recorder);
    QVERIFY2(
        reader.bufferedCapacity() < 1000, qPrintable(QString::number(reader.bufferedCapacity())));
    // Growing by doubling: bytes held stay within twice what arrived, plus slack.
    for (qsizetype at = 18; at < big.size(); at += 1000) {
        reader.feed(big.sliced(at, qMin<qsizetype>(1000, big.size() - at)), recorder);
        if (recorder.messages.isEmpty())
            QVERIFY(reader.bufferedCapacity() <= 2 * (at + 1000) + 64);
    }
    QCOMPARE(recorder.messages.size(), 1);
    QCOMPARE(recorder.messages.first(), QByteArray(60000, 'g'));
}

void tst_WebSocketReader::unmaskedIsKnownAtTheSecondByte()
{
    const QByteArray stream = text("one") + frame(kFin | Text, QByteArray(300, 'z'), false);
    WebSocketReader reader(1000);
    Recorder recorder;
    qsizetype erroredAt = -1;
    for (qsizetype i = 0; i < stream.size() && erroredAt < 0; ++i) {
        if (!reader.feed(stream.sliced(i, 1), recorder))
            erroredAt = i;
    }
    QCOMPARE(erroredAt, text("one").size() + 1);
    QCOMPARE(recorder.events, (QStringList {"text:one", "error:1002"}));
    QCOMPARE(recorder.errorReason, QStringLiteral("frame not masked"));
}

void tst_WebSocketReader::stopFromTheHandler()
{
    WebSocketReader reader(1000);
    Recorder recorder;
    recorder.stopAfterMessage = &reader;
    QVERIFY(!reader.feed(QByteArray(text("first") + text("second")), recorder));
    QCOMPARE(recorder.events, QStringList {"text:first"});
    QVERIFY(reader.isFinished());
}

QTEST_GUILESS_MAIN(tst_WebSocketReader)
#include "tst_websocketreader.moc"
