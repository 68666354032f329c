#include "server/framescanner.h"

#include <QTest>

using namespace farmchat;
using Verdict = FrameScanner::Verdict;

namespace {

// One client frame: FIN + opcode, the mask bit as asked, any payload length.
QByteArray frame(QByteArray payload, bool masked = true, uchar opcode = 0x1)
{
    QByteArray f;
    f.append(char(0x80 | opcode));
    const uchar mask = masked ? 0x80 : 0;
    const qsizetype n = payload.size();
    if (n < 126) {
        f.append(char(mask | n));
    } else if (n <= 0xffff) {
        f.append(char(mask | 126));
        f.append(char(n >> 8));
        f.append(char(n & 0xff));
    } else {
        f.append(char(mask | 127));
        for (int i = 7; i >= 0; --i)
            f.append(char((quint64(n) >> (8 * i)) & 0xff));
    }
    if (masked) {
        const char key[4] = {1, 2, 3, 4};
        f.append(key, 4);
        for (qsizetype i = 0; i < n; ++i)
            payload[i] = char(payload[i] ^ key[i % 4]);
    }
    return f + payload;
}

} // namespace

class tst_FrameScanner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void verdict_data();
    void verdict();
    void byteByByte();
    void skipPayload();
};

void tst_FrameScanner::verdict_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<Verdict>("verdict");
    QTest::addColumn<int>("frames");
    QTest::addRow("one masked") << frame("hello") << Verdict::Ok << 1;
    QTest::addRow("empty masked") << frame("") << Verdict::Ok << 1;
    QTest::addRow("16-bit length") << frame(QByteArray(300, 'x')) << Verdict::Ok << 1;
    QTest::addRow("64-bit length") << frame(QByteArray(70000, 'x')) << Verdict::Ok << 1;
    QTest::addRow("three masked") << frame("a") + frame(QByteArray(200, 'b'))
            + frame("c", true, 0x9)
                                  << Verdict::Ok << 3;
    QTest::addRow("unmasked first") << frame("hello", false) << Verdict::Unmasked << 0;
    QTest::addRow("unmasked after masked")
        << frame("a") + frame(QByteArray(200, 'b'), false) << Verdict::Unmasked << 1;
    QTest::addRow("unmasked ping") << frame("a") + frame("", false, 0x9) << Verdict::Unmasked << 1;
    // Payload bytes that look like a frame head must not be read as one.
    QTest::addRow("payload looks unmasked")
        << frame(QByteArray("\x81\x05hello", 7)) << Verdict::Ok << 1;
}

void tst_FrameScanner::verdict()
{
    QFETCH(QByteArray, stream);
    FrameScanner scanner;
    QTEST(scanner.feed(stream), "verdict");
    QTEST(int(scanner.framesSeen()), "frames");
}

void tst_FrameScanner::byteByByte()
{
    const QByteArray stream = frame("one") + frame(QByteArray(130, 'z')) + frame("three", false);
    FrameScanner scanner;
    Verdict last = Verdict::Ok;
    qsizetype unmaskedAt = -1;
    for (qsizetype i = 0; i < stream.size(); ++i) {
        last = scanner.feed(stream.sliced(i, 1));
        if (last == Verdict::Unmasked && unmaskedAt < 0)
            unmaskedAt = i;
    }
    QCOMPARE(last, Verdict::Unmasked);
    // Known at the second byte of the third frame's head, before its payload.
    QCOMPARE(unmaskedAt, frame("one").size() + frame(QByteArray(130, 'z')).size() + 1);
    QCOMPARE(scanner.framesSeen(), quint64(2));
}

void tst_FrameScanner::skipPayload()
{
    const QByteArray big = frame(QByteArray(1000, 'q'));
    FrameScanner scanner;
    QCOMPARE(scanner.feed(big.first(8)), Verdict::Ok); // 2 + 2 length + 4 mask
    QCOMPARE(scanner.payloadRemaining(), quint64(1000));
    scanner.skipPayload(400);
    QCOMPARE(scanner.payloadRemaining(), quint64(600));
    scanner.skipPayload(5000); // clamped to the frame
    QCOMPARE(scanner.payloadRemaining(), quint64(0));
    QCOMPARE(scanner.framesSeen(), quint64(1));
    QCOMPARE(scanner.feed(frame("x", false)), Verdict::Unmasked);
}

QTEST_GUILESS_MAIN(tst_FrameScanner)
#include "tst_framescanner.moc"
