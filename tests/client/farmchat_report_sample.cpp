// Writes the sample report (tests/client/reportfixture.h) as HTML, JSON and
// CSV, for check_report_html.py to open in Chromium and for
// docs/screenshot-report.png. Usage: farmchat_report_sample PATH.html
#include "reportfixture.h"

#include <QCoreApplication>
#include <QTextStream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    QTextStream err(stderr);
    if (args.size() != 2) {
        err << "usage: farmchat_report_sample PATH.html\n";
        return 2;
    }
    const auto written = farmchat::testing::sampleReport().write(args.at(1));
    if (!written) {
        err << "farmchat_report_sample: " << written.error() << '\n';
        return 1;
    }
    QTextStream(stdout) << written->join(QLatin1Char('\n')) << '\n';
    return 0;
}
