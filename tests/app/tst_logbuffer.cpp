// LogBuffer: bounded per-process output and the Logs dock's filter.
#include "app/logbuffer.h"

#include <QSignalSpy>
#include <QTest>

using namespace farmchat;

class tst_LogBuffer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void filter_data();
    void filter();
    void bounded();
    void processes();
};

void tst_LogBuffer::filter_data()
{
    QTest::addColumn<QString>("process");
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("expected");
    QTest::addRow("everything") << QString() << QString() << 4;
    QTest::addRow("one process") << "node-9090" << QString() << 2;
    QTest::addRow("text any case") << QString() << "LISTENING" << 2;
    QTest::addRow("process and text") << "node-9091"
                                      << "listening" << 1;
    QTest::addRow("text matches process name") << QString() << "redis" << 1;
    QTest::addRow("nothing matches") << "node-9090"
                                     << "nope" << 0;
}

void tst_LogBuffer::filter()
{
    QFETCH(QString, process);
    QFETCH(QString, text);
    QFETCH(int, expected);
    LogBuffer buffer;
    buffer.append(QStringLiteral("redis"), QStringLiteral("Ready to accept connections"));
    buffer.append(QStringLiteral("node-9090"), QStringLiteral("listening http://127.0.0.1:9090"));
    buffer.append(QStringLiteral("node-9091"), QStringLiteral("listening http://127.0.0.1:9091"));
    buffer.append(QStringLiteral("node-9090"), QStringLiteral("client connected"));
    const QStringList lines = buffer.filtered(process, text);
    QCOMPARE(lines.size(), expected);
    for (const QString &line : lines) {
        QVERIFY(line.contains(QStringLiteral(" | ")));
        if (!process.isEmpty())
            QVERIFY(line.contains(process));
    }
}

void tst_LogBuffer::bounded()
{
    LogBuffer buffer(3);
    for (int i = 0; i < 10; ++i)
        buffer.append(QStringLiteral("p"), QStringLiteral("line %1").arg(i));
    QCOMPARE(buffer.size(), 3);
    const QStringList lines = buffer.filtered({}, {});
    QVERIFY(lines.first().endsWith(QStringLiteral("line 7")));
    QVERIFY(lines.last().endsWith(QStringLiteral("line 9")));
}

void tst_LogBuffer::processes()
{
    LogBuffer buffer;
    QSignalSpy added(&buffer, &LogBuffer::processAdded);
    QSignalSpy lines(&buffer, &LogBuffer::lineAdded);
    buffer.append(QStringLiteral("b"), QStringLiteral("1"));
    buffer.append(QStringLiteral("a"), QStringLiteral("2"));
    buffer.append(QStringLiteral("b"), QStringLiteral("3"));
    QCOMPARE(buffer.processes(), (QStringList {QStringLiteral("b"), QStringLiteral("a")}));
    QCOMPARE(added.count(), 2);
    QCOMPARE(lines.count(), 3);
    QSignalSpy cleared(&buffer, &LogBuffer::cleared);
    buffer.clear();
    QCOMPARE(cleared.count(), 1);
    QCOMPARE(buffer.size(), 0);
    QVERIFY(buffer.processes().isEmpty());
}

QTEST_GUILESS_MAIN(tst_LogBuffer)
#include "tst_logbuffer.moc"
