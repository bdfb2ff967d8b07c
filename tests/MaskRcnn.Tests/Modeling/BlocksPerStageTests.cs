using MaskRcnn.Modeling;
using MaskRcnn.Modeling.Backbone;

namespace MaskRcnn.Tests.Modeling;

/// <summary>BackboneConfig.BlocksPerStage: ML.NET's ResNet-18 has three blocks in layer4.</summary>
public sealed class BlocksPerStageTests
{
    [Fact]
    public void The_counts_build_that_many_blocks_with_torchvision_names_in_the_body_and_the_res5_head()
    {
        var backbone = new BackboneConfig { Depth = 18, Width = 8, FpnOutChannels = 16, BlocksPerStage = [1, 2, 2, 3] };
        using var fpn = new MaskRcnnModel(MaskRcnnConfig.ResNet18Fpn(2) with { Backbone = backbone });
        var keys = fpn.state_dict().Keys.ToList();
        Assert.Contains("backbone.body.layer4.2.conv2.weight", keys);
        Assert.DoesNotContain("backbone.body.layer4.3.conv1.weight", keys);
        Assert.DoesNotContain("backbone.body.layer1.1.conv1.weight", keys);

        using var c4 = new MaskRcnnModel(MaskRcnnConfig.ResNet50C4(2) with { Backbone = new BackboneConfig { Architecture = Architecture.C4, Depth = 18, Width = 8, BlocksPerStage = [1, 2, 2, 3] } });
        var c4Keys = c4.state_dict().Keys.ToList();
        Assert.Contains("roi_heads.box_head.layer4.2.conv2.weight", c4Keys);
        Assert.DoesNotContain("roi_heads.box_head.layer4.3.conv1.weight", c4Keys);
    }

    [Fact]
    public void Null_means_the_depths_standard_counts()
    {
        using var model = new MaskRcnnModel(MaskRcnnConfig.ResNet18Fpn(2) with { Backbone = new BackboneConfig { Depth = 34, Width = 4, FpnOutChannels = 8 } });
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("backbone.body.layer3.5.conv1.weight", keys);
        Assert.DoesNotContain("backbone.body.layer3.6.conv1.weight", keys);
    }

    [Theory]
    [InlineData(new[] { 2, 2, 2 })]
    [InlineData(new[] { 2, 2, 0, 2 })]
    public void Validate_refuses_counts_that_are_not_four_positive_numbers(int[] blocks)
    {
        var config = MaskRcnnConfig.ResNet18Fpn(2) with { Backbone = new BackboneConfig { Depth = 18, BlocksPerStage = blocks } };
        var ex = Assert.Throws<ArgumentException>(config.Validate);
        Assert.Contains("Backbone.BlocksPerStage", ex.Message);
    }

    [Fact]
    public void Json_round_trips_the_counts_and_configs_without_them_keep_their_form_and_value_equality()
    {
        var config = MaskRcnnConfig.ResNet18Fpn(2) with { Backbone = new BackboneConfig { Depth = 18, BlocksPerStage = [2, 2, 2, 3] } };
        var back = MaskRcnnConfig.FromJson(config.ToJson());
        Assert.Equal([2, 2, 2, 3], back.Backbone.BlocksPerStage);
        var old = MaskRcnnConfig.FromJson("""{"NumClasses": 2, "Backbone": {"Depth": 18}}""");
        Assert.Null(old.Backbone.BlocksPerStage);
        Assert.DoesNotContain("BlocksPerStage", old.ToJson());
        Assert.Equal(old.Backbone, MaskRcnnConfig.FromJson(old.ToJson()).Backbone);
    }
}
