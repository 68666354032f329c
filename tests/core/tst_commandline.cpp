// CommandLine: one option table per program, one way to read it, one form of
// usage error (exit status 2, naming the option), --help written from the table.
#include "core/commandline.h"

#include <QTest>

using namespace farmchat;

namespace {

// A small program: what its table reads lands here.
struct Sample
{
    qint64 count = 3;
    quint16 port = 9090;
    QString name;
    QStringList tags;
};

Result<QString> checkName(const QString &text)
{
    if (text.contains(u' '))
        return Result<QString>::failure(QStringLiteral("may not hold spaces, not '%1'").arg(text));
    return text;
}

CommandLine sampleCommandLine(Sample &s)
{
    using Option = CommandLineOption;
    return CommandLine(QStringLiteral("sample"), QStringLiteral("1.2.3"),
        QStringLiteral("Does sample things."),
        {Option::integer(QStringLiteral("count"), QStringLiteral("N"), QStringLiteral("how many"),
             {1, 10}, s.count),
            Option::integer(QStringLiteral("port"), QStringLiteral("P|auto"),
                QStringLiteral("where to listen"), {1024, 65535, true},
                [&s](qint64 value) { s.port = quint16(value); }),
            Option::parsed<QString>(QStringLiteral("name"), QStringLiteral("NAME"),
                QStringLiteral("what to call it"), checkName,
                [&s](QString name) { s.name = name; }),
            Option::text(QStringLiteral("tag"), QStringLiteral("TAG"), QStringLiteral("a label"),
                [&s](const QString &tag) {
                    s.tags << tag;
                    return Result<void>();
                })
                .allowRepeats(),
            Option::flag(QStringLiteral("verbose"), QStringLiteral("say more"))},
        QStringLiteral("Exit status: 0 fine, 2 a usage error.\n"));
}

} // namespace

class tst_CommandLine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void reads_data();
    void reads();
    void usageErrors_data();
    void usageErrors();
    void switches();
    void helpAndVersion();
    void helpWinsOverBadValues();
    void exitStatus();
};

void tst_CommandLine::reads_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<qint64>("count");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("tags");
    QTest::addRow("nothing") << QStringList {} << qint64(3) << 9090 << QString() << QStringList {};
    QTest::addRow("separate values") << QStringList {"--count", "7", "--name", "farm"} << qint64(7)
                                     << 9090 << "farm" << QStringList {};
    QTest::addRow("equals form") << QStringList {"--count=10", "--port=2000"} << qint64(10) << 2000
                                 << QString() << QStringList {};
    QTest::addRow("one dash") << QStringList {"-count", "1"} << qint64(1) << 9090 << QString()
                              << QStringList {};
    QTest::addRow("auto") << QStringList {"--port", "auto"} << qint64(3) << 0 << QString()
                          << QStringList {};
    QTest::addRow("AUTO") << QStringList {"--port", "AUTO"} << qint64(3) << 0 << QString()
                          << QStringList {};
    QTest::addRow("zero means auto")
        << QStringList {"--port", "0"} << qint64(3) << 0 << QString() << QStringList {};
    QTest::addRow("spaces around a number")
        << QStringList {"--count", " 4 "} << qint64(4) << 9090 << QString() << QStringList {};
    QTest::addRow("repeatable") << QStringList {"--tag", "a", "--tag=b"} << qint64(3) << 9090
                                << QString() << QStringList {"a", "b"};
    QTest::addRow("a value that starts with a dash")
        << QStringList {"--name", "-x"} << qint64(3) << 9090 << "-x" << QStringList {};
    QTest::addRow("empty value") << QStringList {"--name="} << qint64(3) << 9090 << QString()
                                 << QStringList {};
    QTest::addRow("end of options")
        << QStringList {"--count", "2", "--"} << qint64(2) << 9090 << QString() << QStringList {};
}

void tst_CommandLine::reads()
{
    QFETCH(QStringList, arguments);
    QFETCH(qint64, count);
    QFETCH(int, port);
    QFETCH(QString, name);
    QFETCH(QStringList, tags);
    Sample s;
    CommandLine cli = sampleCommandLine(s);
    const Result<void> read = cli.parse(arguments);
    QVERIFY2(read, qPrintable(read.error()));
    QVERIFY(!cli.requestedText());
    QCOMPARE(s.count, count);
    QCOMPARE(int(s.port), port);
    QCOMPARE(s.name, name);
    QCOMPARE(s.tags, tags);
}

void tst_CommandLine::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error"); // word for word: one form for every program
    QTest::addRow("unknown") << QStringList {"--bogus"} << "--bogus: unknown option";
    QTest::addRow("unknown with a value, not echoed")
        << QStringList {"--password=hunter2"} << "--password: unknown option";
    QTest::addRow("unknown short") << QStringList {"-x"} << "-x: unknown option";
    QTest::addRow("missing value") << QStringList {"--count"} << "--count: needs a value (N)";
    QTest::addRow("switch with a value")
        << QStringList {"--verbose=yes"} << "--verbose: takes no value";
    QTest::addRow("twice") << QStringList {"--count", "1", "--count", "2"}
                           << "--count: given more than once";
    QTest::addRow("below the range")
        << QStringList {"--count", "0"} << "--count: must be a whole number from 1 to 10, not '0'";
    QTest::addRow("above the range") << QStringList {"--count", "11"}
                                     << "--count: must be a whole number from 1 to 10, not '11'";
    QTest::addRow("not a number") << QStringList {"--count", "two"}
                                  << "--count: must be a whole number from 1 to 10, not 'two'";
    QTest::addRow("auto where it is not taken") << QStringList {
        "--count", "auto"} << "--count: must be a whole number from 1 to 10, not 'auto'";
    QTest::addRow("range with auto") << QStringList {
        "--port", "80"} << "--port: must be a whole number from 1024 to 65535, 0 or auto, not '80'";
    QTest::addRow("parser's own words")
        << QStringList {"--name", "a b"} << "--name: may not hold spaces, not 'a b'";
    QTest::addRow("positional") << QStringList {"extra"} << "unexpected argument 'extra'";
    QTest::addRow("after the end of options")
        << QStringList {"--", "--count"} << "unexpected argument '--count'";
    QTest::addRow("lone dash") << QStringList {"-"} << "unexpected argument '-'";
}

void tst_CommandLine::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    Sample s;
    CommandLine cli = sampleCommandLine(s);
    const Result<void> read = cli.parse(arguments);
    QVERIFY(!read);
    QCOMPARE(read.error(), error);
}

void tst_CommandLine::switches()
{
    Sample s;
    CommandLine cli = sampleCommandLine(s);
    QVERIFY(cli.parse({}));
    QVERIFY(!cli.isSet(QStringLiteral("verbose")));
    QVERIFY(cli.parse({"--verbose", "--verbose"})); // a switch may be repeated
    QVERIFY(cli.isSet(QStringLiteral("verbose")));
    QVERIFY(!cli.isSet(QStringLiteral("count")));
}

void tst_CommandLine::helpAndVersion()
{
    Sample s;
    CommandLine cli = sampleCommandLine(s);
    for (const QString &flag : {QStringLiteral("--help"), QStringLiteral("-h")}) {
        QVERIFY(cli.parse({flag}));
        const QString help = cli.requestedText().value_or(QString());
        QVERIFY2(
            help.startsWith(QStringLiteral("Usage: sample [options]\n\nDoes sample things.\n")),
            qPrintable(help));
        QVERIFY2(help.contains(QStringLiteral("--count N ")), qPrintable(help));
        QVERIFY2(help.contains(QStringLiteral("how many (default: 3)")), qPrintable(help));
        QVERIFY2(help.contains(QStringLiteral("--port P|auto")), qPrintable(help));
        QVERIFY2(help.contains(QStringLiteral("a label (repeatable)")), qPrintable(help));
        QVERIFY2(help.contains(QStringLiteral("-h, --help")), qPrintable(help));
        QVERIFY2(help.contains(QStringLiteral("-v, --version")), qPrintable(help));
        QVERIFY2(help.endsWith(QStringLiteral("\nExit status: 0 fine, 2 a usage error.\n")),
            qPrintable(help));
        for (const QString &line : help.split(u'\n'))
            QVERIFY2(line.size() <= 79, qPrintable(line));
    }
    for (const QString &flag : {QStringLiteral("--version"), QStringLiteral("-v")}) {
        QVERIFY(cli.parse({flag}));
        QCOMPARE(cli.requestedText().value_or(QString()), QStringLiteral("sample 1.2.3\n"));
    }
}

void tst_CommandLine::helpWinsOverBadValues()
{
    Sample s;
    CommandLine cli = sampleCommandLine(s);
    QVERIFY(cli.parse({"--count", "99", "--help"}));
    QVERIFY(cli.requestedText());
    QCOMPARE(s.count, 3); // nothing was read
}

void tst_CommandLine::exitStatus()
{
    using Request = CommandLineRequest<Sample>;
    const Result<Request> run = Request::run(Sample {});
    QVERIFY(!CommandLine::exitStatus(run));
    const Result<Request> help = Request::print(QStringLiteral("Usage: …"));
    QCOMPARE(CommandLine::exitStatus(help).value_or(-1), 0);
    const auto usage = Result<Request>::failure(QStringLiteral("--count: needs a value (N)"));
    QCOMPARE(CommandLine::exitStatus(usage).value_or(-1), 2);
}

QTEST_GUILESS_MAIN(tst_CommandLine)
#include "tst_commandline.moc"
