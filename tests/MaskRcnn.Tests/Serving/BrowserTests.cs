using System.Globalization;
using MaskRcnn.Data.Images;
using MaskRcnn.Serving;
using MaskRcnn.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using Xunit.Abstractions;

namespace MaskRcnn.Tests.Serving;

/// <summary>A test that needs Debian's chromium and chromium-driver; skipped, with the reason, where they are missing.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium", ChromeDriver = "/usr/bin/chromedriver";

    public BrowserFactAttribute()
    {
        var missing = new[] { Chromium, ChromeDriver }.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
            Skip = $"no browser: {string.Join(" and ", missing)} missing (apt-get install -y chromium chromium-driver; .ci/run does it)";
    }
}

/// <summary>The page in a real headless chromium driven by Selenium, against the server on Kestrel.</summary>
public sealed class BrowserTests(ITestOutputHelper output) : IDisposable
{
    readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [BrowserFact]
    public async Task The_page_uploads_a_shapes_image_lists_its_instances_filters_them_and_draws_them()
    {
        // A held-out image with four shapes (validation image 000012 of train_shapes_model.sh).
        var sample = TrainedShapesModel.HeldOut.Sample(11);
        var image = sample.Image;
        string upload = temp.File("shapes.png");
        ImageIo.SavePng(image, upload);
        IReadOnlyList<MaskRcnn.Inference.InstancePrediction> expected;
        using (var predictor = ServingServer.Load(TrainedShapesModel.WeightsPath)) expected = predictor.Predict(image);
        int atDefault = expected.Count(e => e.Score >= 0.5f);
        // The shapes drawn, within one: on the 100 held-out images the model's count at score >= 0.5 was the true
        // count on 55 and within one on 80 (train_shapes_model.sh); what it gets wrong is mostly an extra box of
        // another class on a shape, so a test of the page cannot ask the model for more than that.
        output.WriteLine($"{sample.Instances.Count} shapes drawn; {atDefault} detections at score >= 0.5 ({expected.Count} at >= 0.05)");
        Assert.InRange(atDefault, sample.Instances.Count - 1, sample.Instances.Count + 1);

        await using var server = await ServingServer.StartKestrel(TrainedShapesModel.WeightsPath, new ServingOptions());
        var options = new ChromeOptions { BinaryLocation = BrowserFactAttribute.Chromium };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1100,1200", $"--user-data-dir={temp.File("profile")}");
        using var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(BrowserFactAttribute.ChromeDriver)!, Path.GetFileName(BrowserFactAttribute.ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30));

        driver.Navigate().GoToUrl(server.Address!);
        wait.Until(d => d.FindElement(By.Id("model")).Text.StartsWith("ResNet-18-FPN", StringComparison.Ordinal));
        driver.FindElement(By.Id("file")).SendKeys(upload);
        wait.Until(d => d.FindElement(By.Id("count")).Text.Length > 0);

        // At the service's default threshold (0.5), as the slider starts.
        Assert.Equal(atDefault, driver.FindElements(By.CssSelector("#instances tbody tr")).Count);
        Assert.Equal($"{atDefault} of {expected.Count} instance(s)", driver.FindElement(By.Id("count")).Text);
        string screenshot = Path.Combine(AppContext.BaseDirectory, "serve-page.png");
        var js = (IJavaScriptExecutor)driver;
        void Slide(double t) => js.ExecuteScript($"const s = document.getElementById('threshold'); s.value = {t.ToString(CultureInfo.InvariantCulture)}; s.dispatchEvent(new Event('input'));");

        // The slider filters in the page, without asking the server again.
        double middle = Math.Round(expected[expected.Count / 2].Score, 2);
        Slide(middle);
        Assert.Equal(expected.Count(e => e.Score >= middle), driver.FindElements(By.CssSelector("#instances tbody tr")).Count);

        // At 0 every instance the server sent is listed, in score order.
        Slide(0);
        var rows = driver.FindElements(By.CssSelector("#instances tbody tr"));
        Assert.Equal(expected.Count, rows.Count);
        var first = rows[0].FindElements(By.TagName("td")).Select(c => c.Text).ToList();
        Assert.Equal(expected[0].ClassName, first[1]);
        Assert.Equal(expected[0].Score.ToString("0.000", CultureInfo.InvariantCulture), first[2]);
        Assert.Equal(expected[0].Mask.Sum(b => b).ToString(CultureInfo.InvariantCulture), first[4]);

        // Drawn: the canvas differs from the plain image inside the first instance's mask.
        var changed = Convert.ToInt64(js.ExecuteScript("""
            const page = window.maskrcnnPage, canvas = document.getElementById('overlay');
            const plain = document.createElement('canvas'), pctx = plain.getContext('2d');
            plain.width = canvas.width; plain.height = canvas.height;
            pctx.imageSmoothingEnabled = false;
            pctx.drawImage(page.image, 0, 0, canvas.width, canvas.height);
            const a = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            const b = pctx.getImageData(0, 0, canvas.width, canvas.height).data;
            const mask = page.masks[0].mask, w = page.image.naturalWidth;
            let n = 0;
            for (let p = 0; p < mask.length; p++) {
              if (!mask[p]) continue;
              const x = Math.floor((p % w + 0.5) * page.scale), y = Math.floor((Math.floor(p / w) + 0.5) * page.scale);
              const q = 4 * (y * canvas.width + x);
              if (a[q] !== b[q] || a[q+1] !== b[q+1] || a[q+2] !== b[q+2]) n++;
            }
            return n;
            """), CultureInfo.InvariantCulture);
        long maskArea = expected[0].Mask.Sum(b => b);
        Assert.True(changed > maskArea / 2, $"{changed} of the first mask's {maskArea} pixels are drawn over");

        Slide(0.5);
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        output.WriteLine($"screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 0);
    }
}
